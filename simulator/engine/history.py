"""A job's history as the job keeps it: the append-only log of timed facts (:mod:`.record`), stamped
on the simulation's clock, with the present view and response kept for describing.

The job and what works beside it — its training progress (checkpoints), rule evaluations and warm
pool — append to it; nothing else writes it. A sweep's job keeps :data:`QUIET` instead: the same
calls, nothing kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import simpy

from . import record


class History:
    """What a client of the job can see, as it happened: ``entries`` in time order, each stamped in
    seconds after the job's creation (``created``, on ``env``'s clock)."""

    __slots__ = ("_env", "_present", "_wire", "created", "entries", "watch")
    recording = True  #: this history keeps what is logged (a :class:`Quiet` one does not)

    def __init__(self, env: simpy.Environment, created: float):
        self._env = env
        self.created = created
        self.entries: list[record.Entry] = []
        self._present: tuple[record.View, int] | None = None  # the view kept for describing the present
        self._wire: tuple[int, bytes] | None = None  # the present response, as sent
        self.watch: Callable[[], None] | None = None  #: called after each entry (a feed of changes)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"<History {len(self.entries)} entries>"

    def __getstate__(self) -> tuple[float, list[record.Entry]]:
        """What a kept history is (pickle's hook): its entries; not the clock, the kept views or the watcher."""
        return self.created, self.entries

    def __setstate__(self, state: tuple[float, list[record.Entry]]) -> None:
        self.created, self.entries = state
        self._present = self._wire = self.watch = None

    def adopted(self, env: simpy.Environment) -> None:
        """Stamp on ``env``'s clock (a kept history, adopted by another simulation)."""
        self._env = env

    def log(self, kind: int, a: Any = None, b: Any = None) -> None:
        """Record a fact that happens now."""
        self.entries.append((self._env.now - self.created, kind, a, b))
        if self.watch is not None:
            self.watch()

    def log_at(self, when: float, kind: int, a: Any = None, b: Any = None) -> None:
        """Record a fact that happened at ``when`` (clock time, not after anything logged since)."""
        self.entries.append((when - self.created, kind, a, b))
        if self.watch is not None:
            self.watch()

    @property
    def end(self) -> float:
        """When the last entry happened (seconds after creation)."""
        return self.entries[-1][0]

    def view(self, at: float) -> record.View:
        """The view as of ``at``: the kept view with only the entries logged since applied when ``at``
        is not before them (the present, as a poll asks), else folded afresh."""
        entries = self.entries
        view, applied = self._present or (record.View(), 0)
        if applied and entries[applied - 1][0] > at:
            return record.fold(entries, at)
        self._present = (view, record.advance(view, entries, applied, at))
        return view

    def views(self, times: Iterable[float]) -> Iterator[tuple[float, record.View]]:
        """``(t, view as of t)`` for each of ``times`` (non-decreasing): one pass over the history,
        however many instants are asked for. Each view is the same object, moved on: read it before
        asking for the next."""
        entries, view, applied = self.entries, record.View(), 0
        for t in times:
            applied = record.advance(view, entries, applied, t)
            yield t, view

    def wire(self, render: Callable[[], bytes]) -> bytes:
        """The present response as sent: ``render()`` again only when the history has grown since."""
        kept = self._wire
        if kept is not None and kept[0] == len(self.entries):
            return kept[1]
        body = render()
        self._wire = (len(self.entries), body)
        return body


class Quiet:
    """The history of a job nobody describes (a sweep's): every call of :class:`History`'s recording
    side, nothing kept."""

    __slots__ = ()
    recording = False
    entries: tuple[record.Entry, ...] = ()

    def __len__(self) -> int:
        return 0

    def log(self, kind: int, a: Any = None, b: Any = None) -> None:
        pass

    def log_at(self, when: float, kind: int, a: Any = None, b: Any = None) -> None:
        pass


#: the one quiet history: it keeps nothing, so every quiet job can share it
QUIET = Quiet()
