"""Prints Celery/kombu's own view of the broker and result backend as JSON (read-only).

Usage: <python> library_view.py '<json {queues, ids, visibility_timeout}>'
  per queue: kombu Channel._size(queue) (what a worker would consume), LLEN of the base
  list, and the queue's share of the unacked hash decoded by kombu (unacked, delayed by
  ETA, retried, past the visibility timeout as restore_visible() would judge it); the
  messages on the queue's lists decoded by kombu: those whose ETA is ahead (the worker
  would hold them, not run them) and retried ones (headers.retries > 0);
  per id: celery.result.AsyncResult(id).state and the exception class of a failure;
  workers: the nodes in kombu's pidbox binding table (Channel.get_table).
"""
import json
import sys
import time
from datetime import datetime, timezone

from kombu.utils.json import loads

import jobs

args = json.loads(sys.argv[1])
vt = float(args.get('visibility_timeout', 3600))
now = time.time()


def eta_of(message):
    eta = message['headers'].get('eta')
    if not eta:
        return None
    t = datetime.fromisoformat(eta)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


with jobs.app.connection_for_read() as conn:
    ch = conn.default_channel
    client = ch.client
    delivered = {tag.decode(): score for tag, score in client.zrange(ch.unacked_index_key, 0, -1, withscores=True)}
    unacked = []
    for tag, raw in client.hgetall(ch.unacked_key).items():
        message, exchange, routing_key = loads(raw)
        unacked.append((tag.decode(), message, routing_key))
    def listed(q):
        # Every list kombu consumes for the queue: the base list and its priority lists.
        out = []
        for pri in ch.priority_steps:
            key = ch._q_for_pri(q, pri)
            out += [(key == q, loads(raw)) for raw in client.lrange(key, 0, -1)]
        return out

    queues = {}
    for q in args['queues']:
        mine = [(t, m) for t, m, rk in unacked if rk == q]
        queued = listed(q)
        queued_delayed = [base for base, m in queued if (eta_of(m) or 0) > now]
        queues[q] = {
            'size': ch._size(q),
            'base': client.llen(q),
            'unacked': len(mine),
            'delayed': sum(1 for _, m in mine if (eta_of(m) or 0) > now),
            'retries': sum(1 for _, m in mine if (m['headers'].get('retries') or 0) > 0),
            # past the visibility timeout and due (an ETA message a worker holds is delayed, not stalled)
            'stalled': sum(1 for t, m in mine if delivered.get(t, now) < now - vt and (eta_of(m) or 0) <= now),
            'queued_delayed': len(queued_delayed),
            'queued_delayed_base': sum(1 for base in queued_delayed if base),
            'queued_retries': sum(1 for _, m in queued if (m['headers'].get('retries') or 0) > 0),
        }
    workers = sorted(queue.rsplit('.celery.pidbox', 1)[0] for _, _, queue in ch.get_table('celery.pidbox'))
    out = {
        'queues': queues,
        'unacked_total': client.hlen(ch.unacked_key),
        'stalled_total': client.zcount(ch.unacked_index_key, 0, now - vt),
        'workers': workers,
    }

states, exc = {}, {}
for task_id in args.get('ids', []):
    res = jobs.app.AsyncResult(task_id)
    states[task_id] = res.state
    if res.state in ('FAILURE', 'RETRY'):
        exc[task_id] = type(res.result).__name__
out['states'] = states
out['exc_types'] = exc
print(json.dumps(out))
