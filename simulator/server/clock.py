"""The endpoint's clocks: the simulation's present, read from the wall (realtime) or moved by hand.

A realtime clock is a seam, not a second engine (as simpy's ``RealtimeEnvironment`` is): it maps the
wall clock onto simulated seconds, ``speed`` simulated seconds per real second, and the endpoint
brings the simulation up to that present before it answers a request.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

#: the last wall-clock time served (an origin is before it, a manual clock is not moved past it):
#: timestamps stay within what clients' datetimes hold
LATEST = datetime(9000, 1, 1, tzinfo=UTC).timestamp()


def parse_origin(text: str) -> float:
    """An ISO-8601 wall-clock time (UTC when no zone is given) as epoch seconds.

    Raises:
        ValueError: not an ISO-8601 time.
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def iso(t: float) -> str:
    """Epoch seconds as an ISO-8601 UTC time, as messages show it (``2025-01-01T00:00:00Z``)."""
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


class ManualClock:
    """Time moves only when a client moves it (``/_tjsim/clock/advance`` and ``/next``)."""

    mode = "manual"
    speed = 0.0

    def __repr__(self) -> str:
        return "<ManualClock>"

    def present(self, now: float) -> float:
        """The simulated present, given the simulation's: it stays where it is."""
        return now


class RealtimeClock:
    """``speed`` simulated seconds pass per real second, from ``wall_origin`` (epoch seconds)."""

    mode = "realtime"

    def __init__(self, speed: float, wall_origin: float | None = None):
        if not speed > 0:
            raise ValueError("a realtime clock needs a speed above 0")
        self.speed = speed
        self.wall_origin = time.time() if wall_origin is None else wall_origin

    def __repr__(self) -> str:
        return f"<RealtimeClock {self.speed:g}x>"

    def present(self, now: float) -> float:
        return max(now, (time.time() - self.wall_origin) * self.speed)
