"""Run code under another local time zone: the pods' zone is not the tests' to choose."""

import os
import time


def in_zone(zone, call):
    """call() with the process's local time zone set to ``zone`` (TZ, as the C library reads it)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        return call()
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()
