#!/usr/bin/env bash
# Submit a job from the shell. There is no rabbitmqadmin-free AMQP CLI on Debian that can set
# user_id and read a direct reply-to answer, so this wraps a pika one-liner (python3-pika).
#   docs/examples/submit.sh 'python:3.11' python -c 'print(42)'
# Broker: $JOBLET_BROKER (default amqp://guest:guest@127.0.0.1:5672/). Prints the reply JSON.
# (`rnx submit` does the same and more; use this where only python3-pika is at hand.)
set -euo pipefail
runtime=$1; shift
request=$(python3 -c 'import json,sys; print(json.dumps({"runtime": sys.argv[1], "command": sys.argv[2:]}))' "$runtime" "$@")
exec python3 -c '
import json, os, sys, uuid, urllib.parse, pika
url = os.environ.get("JOBLET_BROKER", "amqp://guest:guest@127.0.0.1:5672/")
c = pika.BlockingConnection(pika.URLParameters(url)); ch = c.channel(); out = []
ch.basic_consume("amq.rabbitmq.reply-to", lambda *a: out.append(a[3]), auto_ack=True)
ch.basic_publish("", "joblet.submit", sys.argv[1].encode(), pika.BasicProperties(
    content_type="application/json", delivery_mode=2, type="joblet.job.request.v1",
    message_id=str(uuid.uuid4()), reply_to="amq.rabbitmq.reply-to",
    user_id=urllib.parse.unquote(urllib.parse.urlparse(url).username or "guest")))
while not out: c.process_data_events(time_limit=1)
print(out[0].decode())
' "$request"
