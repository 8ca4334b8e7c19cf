"""Jobs the RQ test producer enqueues: they really run, really raise, really sleep."""
import time


def add(a, b):
    return a + b


class PaymentDeclined(Exception):
    pass


def charge(order_id):
    raise PaymentDeclined(f'card declined for order {order_id}')


def divide(a, b):
    return a / b


def slow(seconds):
    time.sleep(seconds)
    return seconds
