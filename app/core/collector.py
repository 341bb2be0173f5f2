"""Pausing Python's cyclic garbage collector around a file load.

A load makes millions of short-lived objects and keeps each batch alive until it is written; with
the collector's thresholds every batch reaches the oldest generation and the collector walks the
whole heap again and again (measured: a fifth of a 100,000-case load).  The loaded records hold no
reference cycles — reference counting frees them at once — so nothing piles up meanwhile.

The collector is process-wide: it is paused only in a process that serves no web requests
meanwhile (an ``rq worker``, the command line), never in the embedded mode, where the worker
thread shares the web server's process (``enabled=False``).  Loads running at the same time in
one process share the pause; the last one gives the collector back as it was found.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_pauses = 0
_lock = threading.Lock()
_enabled_before = True


@contextmanager
def collector_paused(enabled: bool = True) -> Iterator[None]:
    global _pauses, _enabled_before
    if not enabled:
        yield
        return
    with _lock:
        if _pauses == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _enabled_before:
                gc.enable()
