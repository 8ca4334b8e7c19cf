"""Makes a Celery state in Redis with a real worker, then prints what it did as JSON.

Usage: <python> scenario.py   (cwd: this folder; JOBSCOPE_CELERY_URL must name db 10
or JOBSCOPE_CELERY_DB's db: the whole database is flushed first, it belongs to the
Celery tests).

Final state:
  queue celery   3 add SUCCESS, 2 charge FAILURE (ValueError), 1 flaky FAILURE after 2
                 real retries (ConnectionError), 1 retry_later RETRY whose retried
                 message (eta +1 h, retries=1) the worker held, 1 slow (acks_late)
                 running when the worker was SIGKILLed: both stay unacknowledged;
                 then 4 add waiting, 1 add priority 9 and 1 priority 5 (priority lists)
  queue emails   no worker: 1 add with a traceparent header, 1 add with countdown
                 600 s, 1 add pickle-serialized
"""
import json
import os
import signal
import subprocess
import sys
import time

import jobs

url = jobs.URL
db = os.environ.get('JOBSCOPE_CELERY_DB', '10')
if not url.rstrip('/').endswith('/' + db):
    sys.exit(f'refusing to flush {url}: not db {db}')
r = jobs.app.backend.client
r.flushdb()

node = f'scenario-{os.getpid()}@jobscope'
worker = subprocess.Popen(
    [sys.executable, '-m', 'celery', '-A', 'jobs', 'worker', '--pool=solo', '-Q', 'celery', '-n', node,
     '--without-gossip', '--without-mingle', '--loglevel=WARNING'],
    stdout=sys.stderr, stderr=sys.stderr)

out = {'node': node, 'celery': jobs.celery_version()}
try:
    completed = [jobs.add.delay(i, i) for i in range(3)]
    failed = [jobs.charge.delay(100 + i) for i in range(2)] + [jobs.flaky.delay(7)]
    for res in completed + failed:
        res.get(timeout=60, propagate=False)
    out['completed'] = [x.id for x in completed]
    out['failed'] = [x.id for x in failed]
    out['states'] = {x.id: x.state for x in completed + failed}

    later = jobs.retry_later.delay(5)
    deadline = time.time() + 30
    while later.state != 'RETRY' and time.time() < deadline:
        time.sleep(0.05)
    out['retry_later'] = later.id

    slow = jobs.slow.delay(300)
    out['slow'] = slow.id

    def unacked_tasks():
        return [json.loads(v)[0]['headers'].get('id') for v in r.hvals('unacked')]

    deadline = time.time() + 30
    while slow.id not in unacked_tasks() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let the solo pool start running it
    out['unacked_before_kill'] = unacked_tasks()
finally:
    worker.send_signal(signal.SIGKILL)
    worker.wait()

out['waiting'] = [jobs.add.delay(200 + i, 1).id for i in range(4)]
out['priority9'] = jobs.add.apply_async((1, 2), priority=9).id
out['priority5'] = jobs.add.apply_async((1, 3), priority=5).id
out['traceparent'] = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
out['traced'] = jobs.add.apply_async((1, 4), queue='emails', headers={'traceparent': out['traceparent']}).id
out['eta'] = jobs.add.apply_async((1, 5), queue='emails', countdown=600).id
out['pickled'] = jobs.add.apply_async((1, 6), queue='emails', serializer='pickle').id
print(json.dumps(out))
