"""Sleeps that move the simulated clock instead of waiting.

SDK code polls: it sleeps, then describes. While a :class:`SleepsAdvance` is entered, ``time.sleep(s)``
returns at once after moving the simulation on by ``factor * s`` seconds, and ``time.time()`` counts
the seconds slept, so code that measures the time between its polls sees them pass (the SDK v2's
log loop describes the job only when 30 s have gone by on ``time.time()``). ``time.monotonic()`` is
left alone: it is the event loops' clock, and must never run backwards.

Whose sleeps: the entering thread's (``threads="this"``: a server in another thread of the process
keeps its real sleeps), or every thread's (``"all"``: SDK calls in a pool of threads). ``time`` is
patched once for all that are entered and given back when the last leaves; an exited one's seconds
no longer count, so ``time.time()`` is the wall clock's again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal

_REAL_SLEEP, _REAL_TIME = time.sleep, time.time
_LOCK = threading.RLock()
_ENTERED: list[SleepsAdvance] = []  #: the entered ones, oldest first


class SleepsAdvance:
    """While entered, a sleep of ``threads`` calls ``advance(factor * s)`` and adds ``s`` to that
    thread's ``time.time()``, instead of waiting. Re-entrant; exits in any order."""

    def __init__(self, advance: Callable[[float], Any], factor: float = 1.0,
                 threads: Literal["this", "all"] = "this"):
        self._advance, self._factor, self._threads = advance, factor, threads
        self._slept: dict[int, float] = {}  #: seconds slept without waiting, by thread
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> SleepsAdvance:
        with _LOCK:
            if self._depth == 0:
                self._owner = threading.get_ident()
                _ENTERED.append(self)
                if time.sleep is not _sleep:
                    time.sleep, time.time = _sleep, _time  # type: ignore[assignment]
            self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with _LOCK:
            if self._depth == 0:
                return
            self._depth -= 1
            if self._depth == 0:
                _ENTERED.remove(self)
                if not _ENTERED and time.sleep is _sleep:  # (another patch since: left as it is)
                    time.sleep, time.time = _REAL_SLEEP, _REAL_TIME  # type: ignore[assignment]

    @property
    def slept(self) -> float:
        """The seconds slept without waiting, all threads together."""
        return sum(self._slept.values())

    def _covers(self, thread: int) -> bool:
        return self._threads == "all" or thread == self._owner


def _mine(thread: int) -> SleepsAdvance | None:
    """The newest entered one that covers ``thread``."""
    for sleeps in reversed(_ENTERED):
        if sleeps._covers(thread):
            return sleeps
    return None


def _sleep(seconds: float) -> None:
    thread = threading.get_ident()
    sleeps = _mine(thread)
    if sleeps is None:
        _REAL_SLEEP(seconds)
        return
    seconds = max(0.0, float(seconds))
    with _LOCK:  # one advance at a time, from whichever thread
        sleeps._advance(seconds * sleeps._factor)
        sleeps._slept[thread] = sleeps._slept.get(thread, 0.0) + seconds


def _time() -> float:
    thread = threading.get_ident()
    sleeps = _mine(thread)
    return _REAL_TIME() + (sleeps._slept.get(thread, 0.0) if sleeps is not None else 0.0)
