"""Queue lists holding ETA/countdown and retried messages, made by Celery itself, then
prints what it did as JSON.

Usage: <python> eta_scenario.py   (cwd: this folder; JOBSCOPE_CELERY_URL must name
JOBSCOPE_CELERY_DB's db, which belongs to this test and is flushed first).

Final state:
  queue later      no worker: 2 add waiting, 1 add with countdown 600 s, 1 add whose eta
                   has passed (due: waiting)
  queue bulky      no worker: 10 add of about 200 kB each
  queue retrying   a worker ran retry_later (Task.retry, countdown 3600: a new message with
                   retries=1 and an eta), took the retried message and held it (unacked)
                   until a warm shutdown (SIGTERM) put it back on the list
"""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import jobs

url = jobs.URL
db = os.environ.get('JOBSCOPE_CELERY_DB', '')
if not db or not url.rstrip('/').endswith('/' + db):
    sys.exit(f'refusing to flush {url}: not db {db}')
r = jobs.app.backend.client
r.flushdb()

out = {'celery': jobs.celery_version()}
out['waiting'] = [jobs.add.apply_async((1, i), queue='later').id for i in range(2)]
out['countdown'] = jobs.add.apply_async((1, 2), queue='later', countdown=600).id
out['due'] = jobs.add.apply_async((1, 3), queue='later', eta=datetime.now(timezone.utc) - timedelta(seconds=1)).id
out['bulky'] = [jobs.add.apply_async(('x' * 200_000, str(i)), queue='bulky').id for i in range(10)]

node = f'eta-{os.getpid()}@jobscope'
worker = subprocess.Popen(
    [sys.executable, '-m', 'celery', '-A', 'jobs', 'worker', '--pool=solo', '-Q', 'retrying', '-n', node,
     '--without-gossip', '--without-mingle', '--without-heartbeat', '--loglevel=WARNING'],
    stdout=sys.stderr, stderr=sys.stderr)
try:
    later = jobs.retry_later.apply_async((9,), queue='retrying')
    deadline = time.time() + 60
    while not (later.state == 'RETRY' and r.hlen('unacked') == 1) and time.time() < deadline:
        time.sleep(0.05)
    out['held_before_shutdown'] = r.hlen('unacked')
    out['retried'] = later.id
finally:
    worker.send_signal(signal.SIGTERM)  # warm shutdown: kombu restores what it held
    worker.wait(timeout=60)
out['node'] = node
out['unacked_after_shutdown'] = r.hlen('unacked')
out['retrying_len'] = r.llen('retrying')
print(json.dumps(out))
