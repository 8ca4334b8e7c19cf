"""Builds real RQ states in one Redis database with RQ itself (works with RQ 1.13 and 2.x/3.x).

usage: producer.py REDIS_URL STEP [args]
  enqueue          enqueue jobs on queues "orders" (successes, failures, a retried failure,
                   scheduled), "reports" (waiting, no worker) and "slow" (one long job)
  worker QUEUE..   run a burst worker in this process (python -m rq.cli worker --burst)
Prints JSON describing what it did.
"""
import json
import os
import sys
from datetime import timedelta

from redis import Redis
from rq import Queue, Retry

import tasks

url, step = sys.argv[1], sys.argv[2]
r = Redis.from_url(url)

if step == 'enqueue':
    orders = Queue('orders', connection=r)
    reports = Queue('reports', connection=r)
    slow = Queue('slow', connection=r)
    ids = {'ok': [], 'declined': [], 'zero': [], 'retried': [], 'scheduled': [], 'waiting': [], 'slow': []}
    for i in range(3):
        # The first carries a W3C traceparent in its (pickled) meta.
        meta = {'traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'} if i == 0 else None
        ids['ok'].append(orders.enqueue(tasks.add, i, 1, result_ttl=3600, meta=meta).id)
    for i in range(2):
        ids['declined'].append(orders.enqueue(tasks.charge, 1000 + i).id)
    ids['zero'].append(orders.enqueue(tasks.divide, 1, 0, description='tasks.divide(1, 0) traceparent=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01').id)
    # Fails, then waits an hour in the scheduled registry for its retry.
    ids['retried'].append(orders.enqueue(tasks.charge, 2000, retry=Retry(max=2, interval=3600)).id)
    ids['scheduled'].append(orders.enqueue_in(timedelta(hours=2), tasks.add, 5, 5).id)
    ids['scheduled'].append(reports.enqueue_in(timedelta(hours=3), tasks.add, 6, 6).id)
    for i in range(4):
        ids['waiting'].append(reports.enqueue(tasks.add, i, i, description=f'report {i}').id)
    slow_job = slow.enqueue(tasks.slow, 600, job_timeout=900)
    ids['slow'].append(slow_job.id)
    # Waits in orders' deferred registry until the slow job finishes (it never will).
    ids['deferred'] = [orders.enqueue(tasks.add, 7, 7, depends_on=slow_job).id]
    # 3 MB of random bytes: zlib cannot shrink them, so the stored payload is over 1 MB.
    ids['bulk'] = [Queue('bulk', connection=r).enqueue(tasks.add, os.urandom(3 * 1024 * 1024), b'').id]
    print(json.dumps(ids))
else:
    raise SystemExit(f'unknown step {step}')
