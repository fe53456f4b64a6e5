"""Snapshots: the jobs that have settled, kept in the journal, so that a restart adopts them instead
of living them again.

A restart replays every entry of the journal (:mod:`.statefile`); most of its time went into the
engine living each job's life again. A job that has settled (:attr:`.job.Job.keepable`: its life,
scheduled events and rule evaluations over, no warm pool kept or taken over) never changes again:
every action is refused or ignored, and no other job reaches it. Such a job is kept as it is
(pickled, without its clock), and a replay adopts it at its create entry
(:meth:`.simulation.Simulation.adopt`) and skips its actions up to the snapshot. The feed's
numbering is kept with it: events already numbered keep their numbers.

The other jobs live again as before. Their events are the same without the adopted jobs beside them:
jobs meet only through warm pools, and simpy orders the events left by when they were scheduled, as
before. A snapshot is a cache of the replay: written by other tjsim code, damaged or not matching the
entries, it is left aside and every entry replayed, with a line saying so.

Snapshots are chained: each holds jobs settled since the one before, the events numbered since, and
where the feed stands. While the server serves, it looks for settled jobs now and then
(:meth:`Keeper.mutated`) and keeps a few hundred at a time, so that a snapshot never pauses requests
for long; as it stops, it keeps them all. A server killed keeps what its last snapshots hold, and its
restart lives the rest again.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import pickle
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.history import History
from ..engine.job import Job
from .journal import Journal, Snapshot

if TYPE_CHECKING:
    from ..engine.simulation import Simulation
    from .events import Feed

log = logging.getLogger("tjsim.server")

EVERY = 256  #: mutations between two looks for settled jobs (or fewer, :data:`MOVED`, once the clock moved)
MOVED = 16  #: mutations between two looks when the clock has moved since the last (jobs settle as it moves)
#: jobs settled since the last snapshot that make another while serving: it keeps these (a pause of
#: 20-30 ms among 10,000 jobs), and the others wait for the next
CHUNK = 250


def _digest() -> str:
    """What identifies the code that pickles a job: a digest of the package's sources, of the Python
    that runs them and of its pickle protocol (a pickle names classes and attributes, so only the same
    code reads it). Taken as the server starts, before a source can change under it."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{sys.version_info[:2]}/{pickle.HIGHEST_PROTOCOL}".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


CODE = _digest()


@dataclass
class Kept:
    """What the journal's snapshots hold, read: the settled jobs by name (as unpickled, not yet
    adopted), the last entry they hold the replay of, the clock then, and the feed."""

    seq: int
    at: float
    jobs: dict[str, Job]
    events: list[tuple[str, float, int, tuple[tuple[str, str], ...]]]
    feed: dict[str, Any]


@dataclass
class Keeper:
    """Takes the snapshots of one server's journal; ``kept``: the jobs its snapshots hold already, and
    ``events``: the feed's events they hold (a new chain when none)."""

    journal: Journal
    kept: set[str] = field(default_factory=set)
    events: int = 0
    chained: bool = False  #: the file's snapshots are this chain's: the next one follows them
    _mutations: int = 0  # since the last look
    _looked: float = 0.0  # the clock then
    _known: int = 0  # the simulation's jobs looked at so far (it keeps them in creation order)
    _waiting: dict[str, Job] = field(default_factory=dict)  # not kept, and may yet be

    def mutated(self, sim: Simulation, feed: Feed) -> None:
        """A mutation was applied: every :data:`EVERY` (:data:`MOVED` once the clock has moved), a look
        for settled jobs, and a snapshot of :data:`CHUNK` of them if that many have settled. It never
        fails the mutation, done already: a snapshot that cannot be written is logged, and the next
        server replays more."""
        self._mutations += 1
        if self._mutations >= EVERY or (self._mutations >= MOVED and sim.now != self._looked):
            self._mutations, self._looked = 0, sim.now
            settled = self._settled(sim, CHUNK)
            if len(settled) >= CHUNK:
                self.safely(sim, feed, settled)

    def safely(self, sim: Simulation, feed: Feed, settled: list[Job] | None = None) -> None:
        """:meth:`take`, a failure logged (one line) instead of raised."""
        try:
            self.take(sim, feed, settled)
        except Exception as err:  # a cache: whatever fails, the journal's entries hold every change
            log.warning("No snapshot was written (%s): a restart will replay more of the journal",
                        str(err).splitlines()[0][:200] if str(err) else type(err).__name__)

    def take(self, sim: Simulation, feed: Feed, settled: list[Job] | None = None) -> bool:
        """Keep the jobs settled since the last snapshot, and the feed (the journal's entries all
        applied, and their events taken); whether there was anything new to keep.

        Raises:
            JournalFailure: the file could not take it (nothing is lost: the entries are all there).
        """
        settled = self._settled(sim) if settled is None else settled
        if not settled and feed.last == self.events and self.chained:
            return False
        events, where = feed.kept(self.events)
        row = Snapshot(self.journal.last or 0, float(sim.now), CODE,
                       _packed(([(job.plan.name, job) for job in settled], events)), _packed(where))
        self.journal.keep(row, chained=self.chained)
        for job in settled:
            self.kept.add(job.plan.name)
            self._waiting.pop(job.plan.name, None)
        self.events, self.chained = feed.last, True
        return True

    def _settled(self, sim: Simulation, most: int | None = None) -> list[Job]:
        """The jobs settled and not yet kept, the ``most`` first of them. Only those that may yet be
        kept are looked at: a job that kept or took over a warm pool never will be."""
        waiting, kept = self._waiting, self.kept
        for job in itertools.islice(sim.jobs.values(), self._known, None):
            if job.plan.name not in kept:
                waiting[job.plan.name] = job
        self._known = len(sim.jobs)
        found = []
        for name, job in list(waiting.items()):
            if job.pool is not None or job.took_pool is not None or job.quiet:
                del waiting[name]
            elif job.keepable:
                found.append(job)
                if most is not None and len(found) >= most:
                    break
        return found


def read(journal: Journal) -> tuple[Kept | None, str | None]:
    """The journal's snapshots, or None and why they are left aside (None: there are none)."""
    try:
        rows = journal.snapshots()
    except Exception as err:  # a cache that cannot be read is left aside, whatever broke
        return None, f"they cannot be read ({str(err)[:80]})"
    if not rows:
        return None, None
    if any(row.code != CODE for row in rows):
        return None, "they were written by another version of tjsim"
    last = rows[-1]
    if last.seq > (journal.last or 0):
        return None, f"they hold entries up to {last.seq}, and the file has {journal.last or 0}"
    jobs: dict[str, Job] = {}
    events: list[tuple[str, float, int, tuple[tuple[str, str], ...]]] = []
    try:
        for row in rows:
            kept, more = _unpacked(row.jobs)
            for name, job in kept:
                if type(job) is not Job or not isinstance(job.history, History) or type(name) is not str:
                    raise TypeError(f"{type(job).__name__} where a settled job was kept")
                jobs[name] = job
            events += more
        where = _unpacked(last.feed)
    except Exception as err:  # damaged: zlib, pickle or a shape of ours
        return None, f"they are damaged ({type(err).__name__}: {str(err)[:80]})"
    return Kept(last.seq, last.at, jobs, events, where), None


def _packed(value: Any) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpacked(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(zlib.decompress(data))).load()


class _Unpickler(pickle.Unpickler):
    """Reads back only what a snapshot holds: the engine's classes and plain values, which pickle
    writes without naming them (a state file is data, and a damaged or foreign one must not run
    anything; a crafted one may still hold values that make its jobs' describes fail)."""

    def find_class(self, module: str, name: str) -> Any:
        if "." not in name and module.startswith(_ENGINE):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not what a snapshot holds")


_ENGINE = Job.__module__.rpartition(".")[0] + "."  #: the engine's modules: their classes are what a job is made of

