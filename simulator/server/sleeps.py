"""Sleeps that move the simulated clock instead of waiting.

SDK code polls: it sleeps, then describes. Under :class:`SleepsAdvance`, ``time.sleep(s)`` returns
at once after moving the simulation on by ``factor * s`` seconds, and the process's own
``time.time()`` and ``time.monotonic()`` count the seconds slept, so code that measures the time
between its polls sees them pass (the SDK v2's log loop describes the job only when 30 s have gone
by on ``time.time()``). The process clock only ever runs ahead; it is itself again on leaving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class SleepsAdvance:
    """While entered, ``time.sleep(s)`` calls ``advance(factor * s)`` and adds ``s`` to the process
    clock instead of waiting. Sleeps of other threads (a server's, say) stay real."""

    def __init__(self, advance: Callable[[float], Any], factor: float = 1.0):
        self._advance, self._factor = advance, factor
        self._slept = 0.0
        self._thread: int | None = None
        self._real: tuple[Callable[[float], None], Callable[[], float], Callable[[], float]] | None = None

    def __enter__(self) -> SleepsAdvance:
        self._thread = threading.get_ident()
        self._real = (time.sleep, time.time, time.monotonic)
        time.sleep, time.time, time.monotonic = self._sleep, self._time, self._monotonic  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._real is not None:
            time.sleep, time.time, time.monotonic = self._real  # type: ignore[assignment]
            self._real = None

    @property
    def slept(self) -> float:
        """The seconds this thread slept without waiting."""
        return self._slept

    def _mine(self) -> bool:
        return threading.get_ident() == self._thread

    def _sleep(self, seconds: float) -> None:
        assert self._real is not None
        if not self._mine():
            return self._real[0](seconds)
        seconds = max(0.0, float(seconds))
        self._slept += seconds
        self._advance(seconds * self._factor)
        return None

    def _time(self) -> float:
        assert self._real is not None
        return self._real[1]() + (self._slept if self._mine() else 0.0)

    def _monotonic(self) -> float:
        assert self._real is not None
        return self._real[2]() + (self._slept if self._mine() else 0.0)
