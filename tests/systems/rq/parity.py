"""Prints RQ's own numbers for every queue as JSON, for the parity tests (RQ 1.13 and 2.x/3.x).

usage: parity.py REDIS_URL [EXPIRED_AT_EPOCH_SECONDS]
RQ's registry `.count` runs cleanup() first (it may move abandoned jobs to failed and drop
expired entries): that is RQ's side of the comparison and runs after Jobscope has read.
`stalled` uses StartedJobRegistry.get_expired_job_ids(ts), which only reads.
"""
import json
import sys
import time

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.registry import StartedJobRegistry

url = sys.argv[1]
at = float(sys.argv[2]) if len(sys.argv) > 2 else time.time()
r = Redis.from_url(url)
out = {'version': __import__('rq').__version__, 'queues': {}}
for q in Queue.all(connection=r):
    started = StartedJobRegistry(queue=q)
    stalled = len(started.get_expired_job_ids(at))
    head = q.get_job_ids(0, 1)
    oldest = None
    if head:
        job = Job.fetch(head[0], connection=r)
        oldest = job.enqueued_at.replace(tzinfo=__import__('datetime').timezone.utc).timestamp() if job.enqueued_at else None
    out['queues'][q.name] = {
        'wait': len(q),
        'active': started.count,
        'stalled': stalled,
        'failed': q.failed_job_registry.count,
        'completed': q.finished_job_registry.count,
        'delayed': q.scheduled_job_registry.count,
        'waiting_children': q.deferred_job_registry.count,
        'workers': sorted(w.name for w in Worker.all(queue=q)),
        'oldest_enqueued_at': oldest,
        'failed_ids': sorted(q.failed_job_registry.get_job_ids()),
        'finished_ids': sorted(q.finished_job_registry.get_job_ids()),
        'scheduled_ids': sorted(q.scheduled_job_registry.get_job_ids()),
        'waiting_ids': q.get_job_ids(),
        'started_ids': sorted(started.get_job_ids()),
    }
print(json.dumps(out))
