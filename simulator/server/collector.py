"""The cyclic garbage collector, for a server whose jobs live as long as it does.

A full collection walks every object alive: with 10,000 jobs it paused every request for hundreds
of milliseconds, and took more than half of a restart's replay. What a replay or a clock move makes
(jobs, histories, events) is made with the collector off, then frozen out of its reach.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def lasting() -> Iterator[None]:
    """What is made inside lives as long as the server: no collection meanwhile, and frozen out of
    the collector's reach after (``gc.freeze``); the collector as it was, after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
