"""
A small Celery app on RabbitMQ for the `rabbitmq` kind's tests. Broker vhost from
JOBSCOPE_CELERY_VHOST (a vhost the test made). Tasks are acknowledged late and a failure is
not acknowledged (task_acks_on_failure_or_timeout=False), so Celery rejects failed messages
without requeue and RabbitMQ dead-letters them from cel.tasks through cel.dlx into cel.dead.
"""
import os
from urllib.parse import quote

from celery import Celery
from celery.exceptions import Reject
from kombu import Exchange, Queue

VHOST = os.environ["JOBSCOPE_CELERY_VHOST"]
HOST = os.environ.get("JOBSCOPE_CELERY_AMQP_HOST", "127.0.0.1:5672")

app = Celery("shop", broker=f"amqp://jobscope:jobscope@{HOST}/{quote(VHOST, safe='')}")
app.conf.update(
    task_queues=[
        Queue(
            "cel.tasks",
            Exchange("cel", type="direct"),
            routing_key="cel.tasks",
            queue_arguments={"x-dead-letter-exchange": "cel.dlx", "x-dead-letter-routing-key": "cel.tasks"},
        ),
        Queue("cel.dead", Exchange("cel.dlx", type="direct"), routing_key="cel.tasks"),
    ],
    task_default_queue="cel.tasks",
    task_default_exchange="cel",
    task_default_routing_key="cel.tasks",
    task_acks_late=True,
    task_acks_on_failure_or_timeout=False,
    worker_enable_remote_control=False,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


@app.task(name="shop.charge")
def charge(order_id, amount):
    # a message the task refuses outright: dead-lettered, never retried
    raise Reject(f"order {order_id} cannot be charged", requeue=False)


@app.task(name="shop.flaky", bind=True, max_retries=1)
def flaky(self, n):
    if self.request.retries < 1:
        raise self.retry(countdown=0, exc=RuntimeError("try again"))
    raise ValueError(f"still failing after {self.request.retries} retries")


@app.task(name="shop.ok")
def ok(x):
    return x * 2
