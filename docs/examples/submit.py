#!/usr/bin/env python3
"""Submit a job to Joblet from Python with pika (Debian: apt-get install python3-pika).

    submit.py [--url URL] [--runtime SPEC] [--arch A] [--name N] [--memory 512M] [--timeout 10m]
              [--no-wait] -- COMMAND [ARGS...]

Prints the dispatcher's reply (one JSON line). Without --no-wait it then waits for the job to
end and prints its final record (a second JSON line); exit status 0 when the job completed.
Everything here follows docs/PROTOCOL.md; nothing Joblet-specific is needed but pika.
"""
import argparse, json, os, sys, time, uuid, urllib.parse
import pika

TERMINAL = {"completed", "failed", "cancelled", "timed_out", "lost", "rejected", "unschedulable"}

def main():
    parser = argparse.ArgumentParser()
    # The URL carries your submitter user (docs/SECURITY.md); or set JOBLET_BROKER_USER/JOBLET_BROKER_PASSWORD.
    parser.add_argument("--url", default=os.environ.get("JOBLET_BROKER", "amqp://127.0.0.1:5672/"))
    parser.add_argument("--runtime"); parser.add_argument("--arch"); parser.add_argument("--name")
    parser.add_argument("--memory"); parser.add_argument("--timeout")
    parser.add_argument("--no-wait", action="store_true")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    request = {"command": args.command}                       # the only required field
    for key in ("runtime", "arch", "name"):
        if getattr(args, key): request[key] = getattr(args, key)
    limits = {k: v for k, v in (("memory", args.memory), ("timeout", args.timeout)) if v}
    if limits: request["limits"] = limits

    params = pika.URLParameters(args.url)
    user = urllib.parse.unquote(urllib.parse.urlparse(args.url).username or "")
    if not user and os.environ.get("JOBLET_BROKER_USER"):
        user = os.environ["JOBLET_BROKER_USER"]
        params.credentials = pika.PlainCredentials(user, os.environ.get("JOBLET_BROKER_PASSWORD", ""))
    connection = pika.BlockingConnection(params)
    channel = connection.channel()

    replies = {}
    def on_reply(ch, method, props, body):
        replies[props.correlation_id] = json.loads(body)
    # Direct reply-to: consume (no-ack) before publishing with reply_to = amq.rabbitmq.reply-to.
    channel.basic_consume("amq.rabbitmq.reply-to", on_reply, auto_ack=True)

    # Submissions and queries go to the joblet.api exchange, routing key "submit" or "rpc".
    def call(routing_key, body, message_type, message_id=None):
        correlation = str(uuid.uuid4())
        channel.basic_publish("joblet.api", routing_key, json.dumps(body).encode(), pika.BasicProperties(
            content_type="application/json", delivery_mode=2, type=message_type,
            message_id=message_id, correlation_id=correlation, reply_to="amq.rabbitmq.reply-to",
            user_id=user))  # RabbitMQ checks user_id == the connection's user: that is the submitter
        deadline = time.time() + 30
        while correlation not in replies:
            if time.time() > deadline: sys.exit(f"no reply on {routing_key} within 30 s: is joblet-dispatcher running?")
            connection.process_data_events(time_limit=0.2)
        return replies.pop(correlation)

    # message_id makes the submission idempotent: resending it returns the same job (duplicate: true).
    reply = call("submit", request, "joblet.job.request.v1", message_id=str(uuid.uuid4()))
    print(json.dumps(reply), flush=True)
    if reply.get("status") != "accepted":
        sys.exit(2)
    if args.no_wait:
        return

    # Follow: a private queue bound to this job's recorded end (recorded.<submitter>.<job-id>.<state>:
    # the dispatcher publishes it once its store holds the end, and nobody else may publish there; you
    # may bind only your own jobs), then ask the status once (it may be over already).
    job_id = reply["job_id"]
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "joblet.events", routing_key=f"recorded.{user}.{job_id}.*")
    def status():
        return call("rpc", {"method": "status", "job_id": job_id}, "joblet.rpc.request.v1")["job"]
    # The recorded end means the record is final: read it once more for the whole record. The
    # recorded end is not persistent (a dispatcher restart between its commit and the publish loses
    # it), so ask every few seconds anyway.
    record, last_asked = status(), time.time()
    while record["state"] not in TERMINAL:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method is not None or time.time() - last_asked > 5:
            record, last_asked = status(), time.time()
        else:
            connection.process_data_events(time_limit=0.2)
    print(json.dumps(record), flush=True)
    connection.close()
    sys.exit(0 if record["state"] == "completed" else 1)

if __name__ == "__main__":
    main()
