#!/usr/bin/env bash
# Submit a job from the shell. There is no rabbitmqadmin-free AMQP CLI on Debian that can set
# user_id and read a direct reply-to answer, so this wraps a pika one-liner (python3-pika).
#   docs/examples/submit.sh 'python:3.11' python -c 'print(42)'
#   docs/examples/submit.sh '' uname -a          # empty runtime: a host job
# Broker: $JOBLET_BROKER (amqp://USER:PASSWORD@host:5672/, a submitter user, docs/SECURITY.md); its user
# is the submitter. Submissions go to the joblet.api exchange with routing key "submit".
# Prints the reply JSON; exits 0 when the job was accepted, 1 when rejected, 2 without a reply in 30 s.
# (`rnx submit` does the same and more; use this where only python3-pika is at hand.)
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: $0 RUNTIME COMMAND [ARG]..." >&2; exit 2; fi
# A python3 with pika: $PYTHON, else the first python3 on PATH that has it (pyenv or a venv may
# shadow Debian's /usr/bin/python3, which python3-pika installs into).
py=${PYTHON:-python3}
if [ -z "${PYTHON:-}" ] && ! "$py" -c 'import pika' 2>/dev/null; then py=/usr/bin/python3; fi
runtime=$1; shift
request=$("$py" -c '
import json, sys
request = {"command": sys.argv[2:]}
if sys.argv[1]: request["runtime"] = sys.argv[1]
print(json.dumps(request))' "$runtime" "$@")
exec "$py" -c '
import json, os, sys, time, uuid, urllib.parse, pika
url = os.environ.get("JOBLET_BROKER", "amqp://127.0.0.1:5672/")
c = pika.BlockingConnection(pika.URLParameters(url)); ch = c.channel(); out = []
ch.basic_consume("amq.rabbitmq.reply-to", lambda *a: out.append(a[3]), auto_ack=True)
ch.basic_publish("joblet.api", "submit", sys.argv[1].encode(), pika.BasicProperties(
    content_type="application/json", delivery_mode=2, type="joblet.job.request.v1",
    message_id=str(uuid.uuid4()), reply_to="amq.rabbitmq.reply-to",
    user_id=urllib.parse.unquote(urllib.parse.urlparse(url).username or "")))
deadline = time.monotonic() + 30
while not out and time.monotonic() < deadline: c.process_data_events(time_limit=1)
if not out:
    print("no reply from the dispatcher within 30 s (is joblet-dispatcher running?)", file=sys.stderr); sys.exit(2)
print(out[0].decode())
sys.exit(0 if json.loads(out[0]).get("status") == "accepted" else 1)
' "$request"
