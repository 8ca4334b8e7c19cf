"""Declares the queues and sends the tasks; prints the ids Celery gave them as JSON."""
import json

from shop import app, charge, flaky, ok

TRACEPARENT = "00-{}-00f067aa0ba902b7-01"

with app.connection_for_write() as conn:
    for q in app.conf.task_queues:
        q(conn.default_channel).declare()

trace = json.loads(input())  # {"charge": trace id, "flaky": trace id}
r_charge = charge.apply_async((42, 10), headers={"traceparent": TRACEPARENT.format(trace["charge"])}, retries=2)
r_flaky = flaky.apply_async((7,), headers={"traceparent": TRACEPARENT.format(trace["flaky"])})
r_ok = ok.apply_async((3,))
print(json.dumps({"charge": r_charge.id, "flaky": r_flaky.id, "ok": r_ok.id}))
