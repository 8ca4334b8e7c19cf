"""Celery tasks the Jobscope tests run on a real worker (Redis as broker and result backend).

Works with current Celery (the project venv) and Debian's Celery 5.2.6. The broker URL
comes from JOBSCOPE_CELERY_URL (default redis://127.0.0.1:6379/10, the db the Celery
tests own).
"""
import os
import time

from celery import Celery

URL = os.environ.get('JOBSCOPE_CELERY_URL', 'redis://127.0.0.1:6379/10')

app = Celery('jobs', broker=URL, backend=URL)
app.conf.update(
    # JSON only: a worker running as root refuses pickle. The tests still publish one
    # pickled message (to a queue no worker reads) to check it is shown as hex.
    accept_content=['json'],
    # On: results record name, args, kwargs and queue; off: the queue is unknown.
    result_extended=os.environ.get('JOBSCOPE_CELERY_RESULT_EXTENDED') == '1',
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.task
def add(x, y):
    return x + y


@app.task
def charge(order):
    raise ValueError(f'card declined for order {order}')


@app.task(bind=True, max_retries=2)
def flaky(self, order):
    try:
        raise ConnectionError(f'gateway timeout talking to bank for order {order}')
    except ConnectionError as exc:
        # Retried twice (fast), then raised: FAILURE with ConnectionError.
        raise self.retry(exc=exc, countdown=0.2)


@app.task(bind=True, max_retries=5)
def retry_later(self, order):
    # First run: schedule a retry an hour away. The worker holds the retried message
    # (delivered, not acked) until its eta.
    raise self.retry(exc=KeyError(f'inventory {order} locked'), countdown=3600)


@app.task(acks_late=True)
def slow(seconds):
    time.sleep(seconds)
    return 'slept'


def celery_version():
    import celery
    import kombu
    return f'celery {celery.__version__}, kombu {kombu.__version__}'
