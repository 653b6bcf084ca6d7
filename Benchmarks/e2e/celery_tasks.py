"""The Celery baseline of Benchmarks/e2e: the same work as the Joblet jobs, as Celery tasks.

Configured like the baseline in issue 13: prefork pool (concurrency set by the worker's command line),
acks_late, prefetch multiplier 1, rpc:// result backend, JSON only. The broker URL (a vhost and user of
its own on the benchmark's private RabbitMQ node) comes from CELERY_BROKER_URL.
"""
import os
import subprocess

from celery import Celery

app = Celery("joblet_bench", broker=os.environ["CELERY_BROKER_URL"], backend="rpc://")
app.conf.update(
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue="joblet-bench",
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)

# The interpreter the python-3.11 runtime is built from (runtimes/python-3.11): the same program the
# Joblet python job runs, here as a plain subprocess.
PYTHON = os.environ.get("BENCH_PYTHON", "/usr/bin/python3.11")


@app.task
def run_true():
    return subprocess.run(["true"]).returncode


@app.task
def run_python():
    return subprocess.run([PYTHON, "-c", "pass"]).returncode


@app.task
def noop():
    return 0
