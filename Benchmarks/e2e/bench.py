#!/usr/bin/env python3
"""Driver of the end-to-end benchmark (Benchmarks/e2e/run starts everything and calls it).

    bench.py wait-fleet --workers N [--runtime ID]      until N workers advertise (and offer ID)
    bench.py joblet --phase one|two ...                  latency, throughput, CPU, RSS, log throughput
    bench.py celery ...                                  the same measured on Celery (same broker)
    bench.py chaos --jobs N --kill-dispatcher CMD --kill-worker CMD
                                                         a burst with the dispatcher and a worker SIGKILLed
                                                         and restarted in the middle: every job must end once
    bench.py sandbox --sandbox-bench BIN ...             the sandbox's own CPU per job (the worker's baseline)
    bench.py report --results FILE                       the table, then issue 13's targets met or not

A foreign-style client, like docs/examples/submit.py: pika only, docs/PROTOCOL.md only. A job's end is
its terminal event on joblet.events (a private queue bound to job.<user>.#, bound before anything is
submitted). Results of each phase are merged into one JSON file; `report` prints them side by side.
CPU is utime+stime from /proc/<pid>/stat (self: the process and its threads; children: what it reaped,
i.e. sandboxes and job processes, or Celery's subprocesses); RSS is VmRSS from /proc/<pid>/status.
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import uuid

TERMINAL = {"completed", "failed", "cancelled", "timed_out", "lost", "rejected", "unschedulable"}
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- /proc

def cpu_seconds(pid):
    """(user, system, reaped children user+system) CPU seconds of pid, zeros when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0, 0.0, 0.0
    # After the command: state ppid … utime(11) stime(12) cutime(13) cstime(14).
    return int(fields[11]) / TICK, int(fields[12]) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def pss_kib(pid):
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def dispatcher_heap_kib(port):
    """The dispatcher's heap in use and SQLite's share of it (KiB), from its metrics endpoint; None without one."""
    if not port:
        return None
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
        samples = dict(line.rsplit(" ", 1) for line in page.read().decode().splitlines() if line and not line.startswith("#"))
    return {"heap": float(samples["joblet_dispatcher_heap_in_use_bytes"]) / 1024,
            "sqlite": float(samples["joblet_dispatcher_sqlite_memory_bytes"]) / 1024}


def descendants(root):
    """root and every process below it (Celery: the master and its pool processes)."""
    parent = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    found, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in found:
                found.add(child)
                frontier.append(child)
    return sorted(found)


class Group:
    """A named set of processes: fixed pids (Joblet's daemons) or a tree (Celery's prefork pool)."""

    def __init__(self, name, pids=(), tree_root=None):
        self.name, self.fixed, self.tree_root = name, list(pids), tree_root

    def pids(self):
        return descendants(self.tree_root) if self.tree_root else self.fixed

    def cpu(self):
        u = s = c = 0.0
        for p in self.pids():
            a, b, d = cpu_seconds(p)
            u, s, c = u + a, s + b, c + d
        return u, s, c

    def rss(self):
        return sum(rss_kib(p) for p in self.pids())

    def pss(self):
        return sum(pss_kib(p) for p in self.pids())


class Sampler:
    """Max RSS of each group, sampled every 50 ms while running; max PSS every 0.5 s (smaps_rollup
    walks the page tables: too dear to read more often on a small machine)."""

    def __init__(self, groups):
        self.groups = groups
        self.max = {g.name: 0 for g in groups}
        self.max_pss = {g.name: 0 for g in groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        tick = 0
        while not self._stop.is_set():
            for g in self.groups:
                self.max[g.name] = max(self.max[g.name], g.rss())
                if tick % 10 == 0:
                    self.max_pss[g.name] = max(self.max_pss[g.name], g.pss())
            tick += 1
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def cpu_snapshot(groups):
    return {g.name: g.cpu() for g in groups}


def cpu_per_job_ms(before, after, n):
    out = {}
    for name in before:
        user, system, children = ((after[name][i] - before[name][i]) * 1000 / n for i in range(3))
        out[name] = {"self": user + system, "user": user, "system": system, "children": children}
    return out


def percentile(values, p):
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def latency_summary(samples_s):
    ms = [s * 1000 for s in samples_s]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99),
            "min": min(ms) if ms else None, "max": max(ms) if ms else None}


# ---------------------------------------------------------------- Joblet over pika

class Joblet:
    def __init__(self, url, user, password):
        import pika
        self.pika, self.user = pika, user
        params = pika.URLParameters(url)
        params.credentials = pika.PlainCredentials(user, password)
        params.heartbeat = 0
        self.conn = pika.BlockingConnection(params)
        self.ch = self.conn.channel()
        self.replies, self.ends, self.terminal_events = {}, {}, {}
        self.ch.basic_consume("amq.rabbitmq.reply-to", self._on_reply, auto_ack=True)
        queue = self.ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.ch.queue_bind(queue, "joblet.events", routing_key=f"job.{user}.#")
        self.ch.basic_consume(queue, self._on_event, auto_ack=True)

    def _on_reply(self, ch, method, props, body):
        self.replies[props.correlation_id] = (time.perf_counter(), json.loads(body))

    def _on_event(self, ch, method, props, body):
        event = json.loads(body)
        if event.get("state") in TERMINAL:
            self.terminal_events[event["job_id"]] = self.terminal_events.get(event["job_id"], 0) + 1
            if event["job_id"] not in self.ends:
                self.ends[event["job_id"]] = (time.perf_counter(), event)

    def publish(self, routing_key, body, message_type, message_id=None):
        correlation = str(uuid.uuid4())
        self.ch.basic_publish("joblet.api", routing_key, json.dumps(body).encode(), self.pika.BasicProperties(
            content_type="application/json", delivery_mode=2, type=message_type, message_id=message_id,
            correlation_id=correlation, reply_to="amq.rabbitmq.reply-to", user_id=self.user))
        return correlation

    def submit(self, request):
        return self.publish("submit", request, "joblet.job.request.v1", message_id=str(uuid.uuid4()))

    def pump(self, done, timeout, what):
        deadline = time.time() + timeout
        while not done():
            if time.time() > deadline:
                raise SystemExit(f"bench: timed out after {timeout:.0f} s waiting for {what}")
            self.conn.process_data_events(time_limit=0.1)

    def call(self, method, **fields):
        correlation = self.publish("rpc", {"method": method, **fields}, "joblet.rpc.request.v1")
        self.pump(lambda: correlation in self.replies, 30, f"the dispatcher's answer to {method}")
        return self.replies.pop(correlation)[1]

    def run_one(self, request, timeout=120):
        """(submit→reply, submit→terminal event) seconds and the terminal event of one job."""
        t0 = time.perf_counter()
        correlation = self.submit(request)
        self.pump(lambda: correlation in self.replies, timeout, "the submit reply")
        t_reply, reply = self.replies.pop(correlation)
        if reply.get("status") != "accepted":
            raise SystemExit(f"bench: submission refused: {json.dumps(reply)}")
        job = reply["job_id"]
        self.pump(lambda: job in self.ends, timeout, f"job {job} to end")
        t_end, event = self.ends.pop(job)
        return t_reply - t0, t_end - t0, event


def host_true():
    return {"command": ["true"], "name": "bench-true"}


def python_pass(runtime):
    return {"command": ["python", "-c", "pass"], "runtime": runtime, "name": "bench-python"}


def load_results(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_results(path, update):
    results = load_results(path)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(results.get(key), dict):
            results[key].update(value)
        else:
            results[key] = value
    with open(path + ".tmp", "w") as f:
        json.dump(results, f, indent=2)
    os.replace(path + ".tmp", path)


def client_from(args):
    with open(args.password_file) as f:
        password = f.readline().strip()
    return Joblet(args.url, args.user, password)


def cmd_wait_fleet(args):
    client = client_from(args)
    deadline = time.time() + args.timeout
    while True:
        workers = client.call("workers").get("workers") or []
        online = [w for w in workers if w.get("status") == "online"]
        offers = all(any(r.get("id") == args.runtime for r in w.get("runtimes") or []) for w in online) \
            if args.runtime else True
        if len(online) >= args.workers and offers:
            break
        if time.time() > deadline:
            raise SystemExit(f"bench: {len(online)} of {args.workers} workers online after {args.timeout} s"
                             + (f" (all offering {args.runtime})" if args.runtime else ""))
        time.sleep(0.5)
    # The dispatcher routes submissions only after its fleet warm-up: the first job waits for it.
    client.run_one(host_true(), timeout=60)
    print(f"bench: {len(online)} worker(s) online: {', '.join(w['worker_id'] for w in online)}", flush=True)


def throughput(client, n, request, groups, settle=1.0):
    """Submit n jobs at once; jobs/s from the first submission to the last terminal event."""
    before = cpu_snapshot(groups)
    with Sampler(groups) as sampler:
        t0 = time.perf_counter()
        correlations = []
        for i in range(n):
            correlations.append(client.submit(request))
            if i % 50 == 49:
                client.conn.process_data_events(time_limit=0)
        client.pump(lambda: all(c in client.replies for c in correlations), 600, "the submit replies")
        jobs, refused = [], []
        for c in correlations:
            reply = client.replies.pop(c)[1]
            (jobs.append(reply["job_id"]) if reply.get("status") == "accepted" else refused.append(reply))
        client.pump(lambda: all(j in client.ends for j in jobs), 900, f"{len(jobs)} jobs to end")
        t_last = max(client.ends[j][0] for j in jobs) if jobs else time.perf_counter()
        states = {}
        for j in jobs:
            state = client.ends.pop(j)[1]["state"]
            states[state] = states.get(state, 0) + 1
        # Let the dispatcher record the last events before the CPU snapshot.
        time.sleep(settle)
    after = cpu_snapshot(groups)
    elapsed = t_last - t0
    return {"n": n, "seconds": elapsed, "per_second": len(jobs) / elapsed if elapsed > 0 else None,
            "states": states, "refused": len(refused),
            "refusal": refused[0] if refused else None,
            "cpu_ms_per_job": cpu_per_job_ms(before, after, max(1, len(jobs))),
            "rss_max_kib": dict(sampler.max), "pss_max_kib": dict(sampler.max_pss)}


def cmd_joblet(args):
    client = client_from(args)
    groups = [Group("dispatcher", [args.dispatcher_pid]),
              Group("worker", args.worker_pid),
              Group("broker", [args.broker_pid])]
    out = {}
    if args.phase == "one":
        out["rss_idle_kib"] = {g.name: g.rss() for g in groups}
        out["pss_idle_kib"] = {g.name: g.pss() for g in groups}
        # Warm-up (page cache, the dispatcher's store, job disks): not measured.
        for _ in range(args.warmup):
            client.run_one(host_true())
        if args.python_runtime:
            for _ in range(max(3, args.warmup // 3)):
                client.run_one(python_pass(args.python_runtime))
        out["rss_after_warmup_kib"] = {g.name: g.rss() for g in groups}
        out["dispatcher_heap_after_warmup_kib"] = dispatcher_heap_kib(args.dispatcher_metrics_port)

        for name, request in [("true", host_true())] + \
                ([("python", python_pass(args.python_runtime))] if args.python_runtime else []):
            replies, ends, bad = [], [], {}
            print(f"bench: latency, {args.samples} × {name} one at a time", flush=True)
            for _ in range(args.samples):
                r, e, event = client.run_one(request)
                replies.append(r)
                ends.append(e)
                if event["state"] != "completed":
                    bad[event["state"]] = bad.get(event["state"], 0) + 1
            out[f"latency_{name}"] = latency_summary(ends)
            out[f"latency_{name}"]["not_completed"] = bad
            out[f"reply_{name}"] = latency_summary(replies)

        print(f"bench: throughput, {args.jobs} × true, 1 worker", flush=True)
        out["throughput_1"] = throughput(client, args.jobs, host_true(), groups)

        print("bench: rnx run -- true, 20 times one after another", flush=True)
        out["rnx_run"] = rnx_run_true(args)

        if args.log_bytes:
            print(f"bench: log throughput, rnx run -- sh -c 'head -c {args.log_bytes} /dev/zero' | wc -c", flush=True)
            out["log"] = log_throughput(args, groups)
        out["dispatcher_heap_after_kib"] = dispatcher_heap_kib(args.dispatcher_metrics_port)
    else:
        print(f"bench: throughput, {args.jobs} × true, {len(args.worker_pid)} workers", flush=True)
        out[f"throughput_{len(args.worker_pid)}"] = throughput(client, args.jobs, host_true(), groups)
    save_results(args.results, {"joblet": out})


def cmd_chaos(args):
    """N jobs at once; the dispatcher is SIGKILLed and restarted once a tenth of them ended, the worker
    once half did (each CMD kills and restarts one, see Benchmarks/e2e/run). Then every submission must
    have one job, every job a terminal event, and the dispatcher's store exactly the N jobs, each in one
    terminal state. Fails (exit 1) otherwise: at-least-once delivery must not cost a lost or doubled job."""
    client = client_from(args)
    since = time.time() - 1
    print(f"bench: chaos, {args.jobs} × true; kill -9 of the dispatcher after {args.jobs // 10} ends, "
          f"of the worker after {args.jobs // 2}", flush=True)
    t0 = time.perf_counter()
    correlations = []
    for i in range(args.jobs):
        correlations.append(client.submit({"command": ["true"], "name": "bench-chaos"}))
        if i % 50 == 49:
            client.conn.process_data_events(time_limit=0)
    pending = [(args.jobs // 10, "dispatcher", args.kill_dispatcher), (args.jobs // 2, "worker", args.kill_worker)]
    jobs = {}
    deadline = time.time() + 900
    while True:
        client.conn.process_data_events(time_limit=0.1)
        for c in correlations:
            if c in client.replies and c not in jobs:
                jobs[c] = client.replies[c][1].get("job_id")
        accepted = [j for j in jobs.values() if j]
        ended = sum(1 for j in accepted if j in client.ends)
        while pending and ended >= pending[0][0]:
            _, what, command = pending.pop(0)
            print(f"bench: kill -9 and restart of the {what} after {ended} ends", flush=True)
            subprocess.run(["bash", "-c", command], check=True)
        if len(jobs) == args.jobs and ended == len(accepted):
            break
        if time.time() > deadline:
            raise SystemExit(f"bench: chaos: {len(jobs)} of {args.jobs} replies and {ended} ends after 900 s")
    elapsed = time.perf_counter() - t0
    problems = []
    refused = [client.replies[c][1] for c, j in jobs.items() if j is None]
    if refused:
        problems.append(f"{len(refused)} submissions refused, e.g. {json.dumps(refused[0].get('error'))}")
    if pending:
        problems.append("not killed (too few jobs ended): " + ", ".join(what for _, what, _ in pending))
    ids = [j for j in jobs.values() if j]
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} submissions share a job")
    # The client hears a job's end from the worker; the dispatcher stores it from its own queue, a little later.
    settle_until = time.time() + 60
    while True:
        stored = [j for j in client.call("list", since=since, limit=args.jobs * 2 + 100).get("jobs") or []
                  if j.get("name") == "bench-chaos"]
        if all(j["state"] in TERMINAL for j in stored) or time.time() > settle_until:
            break
        time.sleep(0.5)
    stored_ids = [j["job_id"] for j in stored]
    if sorted(stored_ids) != sorted(ids):
        problems.append(f"the store holds {len(stored_ids)} jobs of this run, {len(set(stored_ids) - set(ids))} "
                        f"unknown to the client, {len(set(ids) - set(stored_ids))} missing")
    states, attempts = {}, {}
    for job in stored:
        states[job["state"]] = states.get(job["state"], 0) + 1
        attempts[job.get("attempts", 0)] = attempts.get(job.get("attempts", 0), 0) + 1
    for job in stored:
        if job["state"] != "completed":
            print(f"bench: chaos: job {job['job_id']} {job['state']} after {job.get('attempts')} attempts: "
                  f"{job.get('reason') or (job.get('result') or {}).get('reason') or ''}", flush=True)
    not_terminal = sum(n for state, n in states.items() if state not in TERMINAL)
    if not_terminal:
        problems.append(f"{not_terminal} jobs not in a terminal state")
    repeated = sum(1 for n in client.terminal_events.values() if n > 1)
    print(f"bench: chaos: {len(ids)} jobs in {elapsed:.1f} s; store states {states}; attempts {attempts}; "
          f"{repeated} jobs reported their end twice (at-least-once: a job runs again when its worker dies between "
          f"publishing the result and acking, or the dispatcher between publishing it and recording that; the "
          f"store keeps the first end)", flush=True)
    save_results(args.results, {"joblet": {"chaos": {"n": args.jobs, "seconds": elapsed, "states": states,
                                                     "attempts": {str(k): v for k, v in attempts.items()},
                                                     "repeated_ends": repeated, "problems": problems}}})
    if problems:
        raise SystemExit("bench: chaos FAILED: " + "; ".join(problems))


def rnx_run_true(args, runs=20):
    """Wall time of a whole `rnx run -- true` (start, submit, follow, exit with the job's code) and rnx's own CPU."""
    walls, failures = [], 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run([args.rnx, "run", "--", "true"], capture_output=True)
        walls.append(time.perf_counter() - t0)
        failures += done.returncode != 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    summary = latency_summary(walls)
    summary.update({"cpu_ms": cpu * 1000 / runs, "failures": failures})
    return summary


def log_throughput(args, groups, runs=3):
    """`rnx run … | wc -c` `runs` times (one run swings by half on a small shared VM): MB/s of each and their
    median, the CPU per run, and the worker's RSS sampled meanwhile (its memory must stay flat)."""
    cap = args.log_bytes + (1 << 20)
    script = (f"set -o pipefail; {args.rnx} run --max-output {cap} "
              f"-- sh -c 'head -c {args.log_bytes} /dev/zero' | wc -c")
    before = cpu_snapshot(groups)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rates, received, exit_code = [], 0, 0
    worker = [g for g in groups if g.name == "worker"]
    rss_before = sum(g.rss() for g in worker)
    rss_max = []  # the worker's, per run
    for _ in range(runs):
        with Sampler(worker) as sampler:
            t0 = time.perf_counter()
            done = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
        rss_max.append(sampler.max["worker"])
        got = int(done.stdout.strip() or 0)
        if done.returncode != 0 or got != args.log_bytes:
            print(f"bench: log run: exit {done.returncode}, {got} of {args.log_bytes} bytes; stderr: {done.stderr[-2000:]}",
                  file=sys.stderr)
            received, exit_code = got, done.returncode
            break
        received = got
        rates.append(got / 1e6 / elapsed)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = cpu_snapshot(groups)
    n = max(1, len(rates))
    rnx_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    cpu = {name: ((after[name][0] + after[name][1]) - (before[name][0] + before[name][1])) / n for name in before}
    cpu["rnx"] = rnx_cpu / n  # rnx, sh and wc (the children of this driver during the runs)
    return {"bytes": args.log_bytes, "received": received, "exit": exit_code, "runs_mb_per_s": rates,
            "mb_per_s": percentile(rates, 50), "cpu_s": cpu, "worker_rss_before_kib": rss_before,
            "worker_rss_max_kib_per_run": rss_max}


def cmd_sandbox(args):
    """The sandbox's own CPU per job, measured here (sandbox-bench, release build): `Sandbox.spawn /bin/true`
    with a job cgroup, the spawning process's CPU plus its reaped children's, the median of its repetitions.
    Issue 13 asks the worker's CPU per job (its own and its reaped children's) to stay within this + 1 ms."""
    done = subprocess.run([args.sandbox_bench, str(args.jobs), str(args.repetitions)], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("Sandbox.spawn /bin/true + job cgroup"):
            words = line.split()
            own, children = float(words[words.index("own") + 1]), float(words[words.index("children") + 1])
            p50 = float(words[words.index("p50") + 1])
            save_results(args.results, {"sandbox": {"cpu_ms": own + children, "own_ms": own, "children_ms": children,
                                                    "p50_ms": p50, "line": line}})
            return
    sys.exit(f"bench: sandbox-bench printed no '+ job cgroup' line (exit {done.returncode}): {done.stdout[-1000:]}{done.stderr[-1000:]}")


# ---------------------------------------------------------------- Celery

def cmd_celery(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import celery
    from celery_tasks import app, noop, run_python, run_true
    groups = [Group("worker", tree_root=args.worker_pid), Group("broker", [args.broker_pid])]
    out = {"version": celery.__version__, "concurrency": args.concurrency}
    deadline = time.time() + 90
    while True:
        try:
            noop.delay().get(timeout=5)
            break
        except Exception as error:  # the worker is still starting
            if time.time() > deadline:
                raise SystemExit(f"bench: the Celery worker does not answer: {error!r}")
    out["rss_idle_kib"] = {g.name: g.rss() for g in groups}
    out["pss_idle_kib"] = {g.name: g.pss() for g in groups}
    out["processes"] = len(groups[0].pids())
    for _ in range(args.warmup):
        run_true.delay().get(timeout=60)
    for _ in range(3):
        run_python.delay().get(timeout=60)
    for name, task in (("true", run_true), ("python", run_python)):
        print(f"bench: celery latency, {args.samples} × {name} one at a time", flush=True)
        samples = []
        for _ in range(args.samples):
            t0 = time.perf_counter()
            task.delay().get(timeout=60)
            samples.append(time.perf_counter() - t0)
        out[f"latency_{name}"] = latency_summary(samples)
    for name, task in (("true", run_true), ("noop", noop)):
        print(f"bench: celery throughput, {args.jobs} × {name}", flush=True)
        before = cpu_snapshot(groups)
        with Sampler(groups) as sampler:
            t0 = time.perf_counter()
            results = [task.delay() for _ in range(args.jobs)]
            codes = [r.get(timeout=600) for r in results]
            elapsed = time.perf_counter() - t0
            time.sleep(1.0)
        after = cpu_snapshot(groups)
        out[f"throughput_{name}"] = {"n": args.jobs, "seconds": elapsed, "per_second": args.jobs / elapsed,
                                     "failed": sum(1 for c in codes if c != 0),
                                     "cpu_ms_per_job": cpu_per_job_ms(before, after, args.jobs),
                                     "rss_max_kib": dict(sampler.max), "pss_max_kib": dict(sampler.max_pss)}
    save_results(args.results, {"celery": out})


# ---------------------------------------------------------------- report

def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def cmd_report(args):
    r = load_results(args.results)
    j, c, meta = r.get("joblet", {}), r.get("celery", {}), r.get("meta", {})
    rows = []  # (metric, joblet, celery, better: "low"|"high"|None)

    def ratio(a, b, better):
        if a is None or b is None or b == 0 or better is None:
            return "—"
        return f"{a / b:.2f}×"

    def add(metric, a, b=None, better=None, digits=1):
        r = ratio(a, b, better)
        rows.append((metric, fmt(a, digits), fmt(b, digits), r,
                     {"low": "lower", "high": "higher"}.get(better, "") if r != "—" else ""))

    def get(d, *path):
        for p in path:
            if not isinstance(d, dict) or p not in d:
                return None
            d = d[p]
        return d

    py_label = meta.get("python_label", "python job")
    add("latency p50, `true` (ms)", get(j, "latency_true", "p50"), get(c, "latency_true", "p50"), "low")
    add("latency p99, `true` (ms)", get(j, "latency_true", "p99"), get(c, "latency_true", "p99"), "low")
    add(f"latency p50, {py_label} (ms)", get(j, "latency_python", "p50"), get(c, "latency_python", "p50"), "low")
    add(f"latency p99, {py_label} (ms)", get(j, "latency_python", "p99"), get(c, "latency_python", "p99"), "low")
    add("submit → accepted reply p50 (ms)", get(j, "reply_true", "p50"), None)
    n = get(j, "throughput_1", "n") or get(c, "throughput_true", "n")
    t1 = get(j, "throughput_1", "per_second")
    add(f"throughput, {n} × `true`, 1 worker (jobs/s)", t1, get(c, "throughput_true", "per_second"), "high")
    t2 = get(j, "throughput_2", "per_second")
    if t2 is not None:
        add(f"throughput, {n} × `true`, 2 workers (jobs/s)", t2, get(c, "throughput_true", "per_second"), "high")
        add("  2 workers / 1 worker", t2 / t1 if t1 else None, None, digits=2)
    add(f"celery no-op task throughput (tasks/s)", None, get(c, "throughput_noop", "per_second"))
    cj, cc = get(j, "throughput_1", "cpu_ms_per_job") or {}, get(c, "throughput_true", "cpu_ms_per_job") or {}
    add("CPU per job, dispatcher (ms)", get(cj, "dispatcher", "self"), None, digits=2)
    add("CPU per job, worker process(es) (ms)", get(cj, "worker", "self"), get(cc, "worker", "self"), "low", 2)
    split = lambda d, k: (f"{fmt(get(d, k, 'user'), 2)} / {fmt(get(d, k, 'system'), 2)}"
                          if get(d, k, "user") is not None else None)
    add("  of which user / system (ms)", split(cj, "worker"), split(cc, "worker"))
    add("  dispatcher user / system (ms)", split(cj, "dispatcher"), None)
    add("CPU per job, worker's reaped children (ms)", get(cj, "worker", "children"), get(cc, "worker", "children"), "low", 2)
    add("CPU per job, broker beam.smp (ms)", get(cj, "broker", "self"), get(cc, "broker", "self"), "low", 2)

    def total(d, names):
        vals = [get(d, k, "self") for k in names] + [get(d, "worker", "children")]
        return sum(v for v in vals if v is not None) if any(v is not None for v in vals) else None
    add("CPU per job, all of the above (ms)", total(cj, ["dispatcher", "worker", "broker"]),
        total(cc, ["worker", "broker"]), "low", 2)
    if get(j, "throughput_2", "cpu_ms_per_job"):
        c2 = j["throughput_2"]["cpu_ms_per_job"]
        add("CPU per job with 2 workers: dispatcher / workers (ms)",
            f"{fmt(get(c2, 'dispatcher', 'self'), 2)} / {fmt(get(c2, 'worker', 'self'), 2)}", None)
    mib = lambda kib: kib / 1024 if kib is not None else None
    add("worker RSS idle, after start (MiB)", mib(get(j, "rss_idle_kib", "worker")), mib(get(c, "rss_idle_kib", "worker")), "low")
    add("worker RSS max under load (MiB)", mib(get(j, "throughput_1", "rss_max_kib", "worker")),
        mib(get(c, "throughput_true", "rss_max_kib", "worker")), "low")
    add("worker PSS idle (MiB)", mib(get(j, "pss_idle_kib", "worker")), mib(get(c, "pss_idle_kib", "worker")), "low")
    add("worker PSS max under load (MiB)", mib(get(j, "throughput_1", "pss_max_kib", "worker")),
        mib(get(c, "throughput_true", "pss_max_kib", "worker")), "low")
    add("dispatcher RSS idle / max under load (MiB)",
        f"{fmt(mib(get(j, 'rss_idle_kib', 'dispatcher')))} / {fmt(mib(get(j, 'throughput_1', 'rss_max_kib', 'dispatcher')))}", None)
    heap = [get(j, k) for k in ("dispatcher_heap_after_warmup_kib", "dispatcher_heap_after_kib")]
    if all(heap):
        add("dispatcher heap outside SQLite, after warm-up / after the runs (MiB)",
            " / ".join(fmt(mib(h["heap"] - h["sqlite"]), 2) for h in heap), None)
        add("  SQLite's page caches, after warm-up / after the runs (MiB)",
            " / ".join(fmt(mib(h["sqlite"]), 2) for h in heap), None)
    add("broker RSS idle / max under load (MiB)",
        f"{fmt(mib(get(j, 'rss_idle_kib', 'broker')))} / {fmt(mib(get(j, 'throughput_1', 'rss_max_kib', 'broker')))}",
        f"{fmt(mib(get(c, 'rss_idle_kib', 'broker')))} / {fmt(mib(get(c, 'throughput_true', 'rss_max_kib', 'broker')))}")
    rnx = j.get("rnx_run")
    if rnx:
        add("`rnx run -- true` wall p50 / p99 (ms)", f"{fmt(rnx['p50'])} / {fmt(rnx['p99'])}", None)
        add("  rnx CPU per run (ms)", rnx["cpu_ms"], None)
    log = j.get("log")
    if log:
        runs = log.get("runs_mb_per_s") or []
        add(f"log throughput job → rnx stdout, {log['bytes'] / 1e6:.0f} MB, median of {len(runs)} (MB/s)", log["mb_per_s"], None)
        if len(runs) > 1:
            add("  each run (MB/s)", " / ".join(fmt(v) for v in runs), None)
        cpu = log["cpu_s"]
        add("  CPU per run: dispatcher / worker / broker / rnx (s)",
            " / ".join(fmt(cpu.get(k), 2) for k in ("dispatcher", "worker", "broker", "rnx")), None)
        per_run = log.get("worker_rss_max_kib_per_run") or []
        add("  worker RSS before, then max during each run (MiB)",
            " / ".join(fmt(mib(v)) for v in [log.get("worker_rss_before_kib")] + per_run), None)
    sandbox = r.get("sandbox")
    if sandbox:
        add("sandbox's own CPU per job: Sandbox.spawn + job cgroup (ms)", sandbox["cpu_ms"], None, digits=2)
    chaos = j.get("chaos")
    if chaos:
        add(f"kill -9 of dispatcher and worker in {chaos['n']} jobs: end states in the store",
            ", ".join(f"{k} {v}" for k, v in sorted(chaos["states"].items())) or "none", None)

    widths = [max(len(row[i]) for row in rows + [("metric", "joblet", "celery", "joblet/celery", "better")])
              for i in range(5)]
    header = ("metric", "joblet", "celery", "joblet/celery", "better")
    line = lambda row: "| " + " | ".join(
        row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(5)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    print()
    notes = []
    for name in ("true", "python"):
        bad = get(j, f"latency_{name}", "not_completed")
        if bad:
            notes.append(f"joblet latency {name}: jobs not completed: {bad}")
    for key in ("throughput_1", "throughput_2"):
        t = j.get(key)
        if t and (t.get("refused") or set(t.get("states", {})) - {"completed"}):
            notes.append(f"joblet {key}: states {t.get('states')}, refused {t.get('refused')} {t.get('refusal') or ''}")
    for key in ("throughput_true", "throughput_noop"):
        if get(c, key, "failed"):
            notes.append(f"celery {key}: {c[key]['failed']} tasks returned non-zero")
    if log and (log["exit"] != 0 or log["received"] != log["bytes"]):
        notes.append(f"log run: rnx exited {log['exit']}, {log['received']} of {log['bytes']} bytes reached wc")
    if j.get("rnx_run", {}).get("failures"):
        notes.append(f"rnx run -- true: {j['rnx_run']['failures']} of 20 runs did not exit 0")
    for note in notes:
        print("WARNING: " + note)
    if c:
        print(f"celery {c.get('version')}: prefork, concurrency {c.get('concurrency')}, acks_late, prefetch 1, "
              f"rpc:// results, its own vhost on the same broker node; worker RSS and CPU are the sum over its "
              f"{c.get('processes')} processes (master + pool: RSS counts pages shared after fork once per process, "
              f"PSS divides them).")
    print_targets(j, c, r.get("sandbox"), get)


def print_targets(j, c, sandbox, get):
    """Issue 13's targets for this machine kind, each with what this run measured and whether it met it."""
    def ratio(a, b):
        return a / b if a is not None and b else None
    true_p50, true_p99 = get(j, "latency_true", "p50"), get(j, "latency_true", "p99")
    t1, tc = get(j, "throughput_1", "per_second"), get(c, "throughput_true", "per_second")
    cj = get(j, "throughput_1", "cpu_ms_per_job") or {}
    worker = None
    if get(cj, "worker", "self") is not None:
        worker = get(cj, "worker", "self") + (get(cj, "worker", "children") or 0)
    spawn = sandbox["cpu_ms"] if sandbox else None
    idle = get(j, "rss_idle_kib", "worker")
    log = j.get("log") or {}
    rows = [
        ("throughput ≥ 1.0 × Celery's subprocess task", ratio(t1, tc), lambda v: v >= 1.0, "{:.2f}×"),
        ("latency p50, `true`, ≤ 2 × Celery's", ratio(true_p50, get(c, "latency_true", "p50")), lambda v: v <= 2.0, "{:.2f}×"),
        ("latency p99, `true`, ≤ 25 ms", true_p99, lambda v: v <= 25, "{:.1f} ms"),
        ("dispatcher ≤ 0.5 ms CPU per job", get(cj, "dispatcher", "self"), lambda v: v <= 0.5, "{:.2f} ms"),
        ("worker + reaped children ≤ sandbox's own + 1 ms CPU per job",
         (worker, spawn) if worker is not None and spawn is not None else None,
         lambda v: v[0] <= v[1] + 1.0, lambda v: f"{v[0]:.2f} against {v[1]:.2f} + 1 ms"),
        ("`rnx run -- true` ≤ 25 ms (p50)", get(j, "rnx_run", "p50"), lambda v: v <= 25, "{:.1f} ms"),
        ("worker RSS idle ≤ 20 MB", idle * 1024 / 1e6 if idle else None, lambda v: v <= 20, "{:.1f} MB"),
        ("log job → rnx stdout ≥ 200 MB/s (median)", log.get("mb_per_s"), lambda v: v >= 200, "{:.1f} MB/s"),
        # Flat: the worker's memory does not grow with the output. The first runs size the allocator's arenas
        # for a job's bounded output (docs/WORKER.md: at most 1 MiB of reads, a chunk, 4 MiB unconfirmed; the
        # arenas of the threads that handle it settled after about 3 GB, measured), so the last run's peak is
        # held to the one before (2 MiB for the allocator's give and take). Too short to show a slow leak:
        # scripts/test floods 1 GiB through sandbox-soak built -O and checks the heap for that.
        ("worker memory flat meanwhile: last run's RSS peak ≤ the one before + 2 MiB",
         (rss[-1] - rss[-2]) / 1024 if len(rss := log.get("worker_rss_max_kib_per_run") or []) > 1 else None,
         lambda v: v <= 2, "{:+.1f} MiB"),
    ]
    print("\nIssue 13's targets on this machine kind (met or not, by this run's figures):")
    for name, value, met, shape in rows:
        if value is None:
            shown, verdict = "—", "not measured"
        else:
            shown = shape(value) if callable(shape) else shape.format(value)
            verdict = "met" if met(value) else "NOT met"
        print(f"  {name:<62} {shown:>26}  {verdict}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)

    def client_args(p):
        p.add_argument("--url", required=True)
        p.add_argument("--user", required=True)
        p.add_argument("--password-file", required=True)

    p = sub.add_parser("wait-fleet")
    client_args(p)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--runtime")
    p.add_argument("--timeout", type=float, default=120)
    p = sub.add_parser("joblet")
    client_args(p)
    p.add_argument("--phase", choices=["one", "two"], required=True)
    p.add_argument("--dispatcher-pid", type=int, required=True)
    p.add_argument("--dispatcher-metrics-port", type=int)
    p.add_argument("--worker-pid", type=int, action="append", required=True)
    p.add_argument("--broker-pid", type=int, required=True)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--python-runtime")
    p.add_argument("--rnx")
    p.add_argument("--log-bytes", type=int, default=0)
    p.add_argument("--results", required=True)
    p = sub.add_parser("celery")
    p.add_argument("--worker-pid", type=int, required=True)
    p.add_argument("--broker-pid", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--results", required=True)
    p = sub.add_parser("chaos")
    client_args(p)
    p.add_argument("--jobs", type=int, default=1000)
    p.add_argument("--kill-dispatcher", required=True, help="shell command: kill -9 the dispatcher and start it again")
    p.add_argument("--kill-worker", required=True, help="shell command: kill -9 the worker and start it again")
    p.add_argument("--results", required=True)
    p = sub.add_parser("sandbox")
    p.add_argument("--sandbox-bench", required=True)
    p.add_argument("--jobs", type=int, default=100)
    p.add_argument("--repetitions", type=int, default=3)
    p.add_argument("--results", required=True)
    p = sub.add_parser("report")
    p.add_argument("--results", required=True)
    p = sub.add_parser("meta")
    p.add_argument("--results", required=True)
    p.add_argument("pairs", nargs="*", help="KEY=VALUE")
    args = parser.parse_args()
    if args.cmd == "wait-fleet":
        cmd_wait_fleet(args)
    elif args.cmd == "joblet":
        cmd_joblet(args)
    elif args.cmd == "celery":
        cmd_celery(args)
    elif args.cmd == "chaos":
        cmd_chaos(args)
    elif args.cmd == "sandbox":
        cmd_sandbox(args)
    elif args.cmd == "report":
        cmd_report(args)
    elif args.cmd == "meta":
        save_results(args.results, {"meta": dict(p.split("=", 1) for p in args.pairs)})


if __name__ == "__main__":
    main()
