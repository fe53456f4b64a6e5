"""What one endpoint serves: a simulation on a clock, the stories its jobs live, the journal its
mutations are written to, and the region and account of its ARNs.

The server's parts receive a :class:`Backend`: :mod:`.sagemaker` (the operations), :mod:`.listing`
(ListTrainingJobs' pages), :mod:`.control` (the ``/_tjsim`` API); :mod:`.statefile` starts it from
a state file.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from ..defaults import DEFAULT_ACCOUNT, DEFAULT_REGION
from ..engine.job import Job
from ..engine.simulation import Simulation
from ..errors import JournalFailure, RequestError
from . import statefile
from .clock import LATEST, ManualClock, RealtimeClock, iso
from .events import Feed
from .identity import Roles
from .journal import Journal
from .listing import Listing
from .snapshots import Keeper
from .stories import Stories
from .tags import Tags

REGION, ACCOUNT = DEFAULT_REGION, DEFAULT_ACCOUNT  #: for ARNs, unless the server is started with others


class Backend:
    """SageMaker's training jobs, simulated on one clock.

    Args:
        clock: manual, or realtime (simulated seconds per real second).
        stories: the scenarios a created job can live.
        journal: where accepted mutations are written; with entries already in it, they are replayed.
        origin: the wall-clock time (epoch seconds) of the clock's zero; by default now, or the
            journal's.
        region, account: for ARNs; by default us-east-1 and 123456789012, or the journal's.
        roles: roles that are missing or denied (IAM); by default every role exists and may do anything.

    Raises:
        StateError: the journal was started with another clock, origin, region or account, or an
            entry cannot be replayed (the journal is closed).
        RequestError: ``origin`` is before 1970 or after :data:`~.clock.LATEST`.
    """

    def __init__(self, *, clock: ManualClock | RealtimeClock | None = None, stories: Stories | None = None,
                 journal: Journal | None = None, origin: float | None = None, region: str | None = None,
                 account: str | None = None, roles: Roles | None = None):
        self.clock = clock or ManualClock()
        self.roles = roles or Roles()
        self.tags = Tags()  #: every training job's tags
        self.awaiting_artifacts: set[str] = set()  #: jobs whose model is not yet in moto's S3
        self.stories = stories or Stories()
        self.journal = journal
        try:
            self._start(origin, region, account)
        except BaseException:
            self.close()  # a server that does not start lets go of its file
            raise

    def _start(self, origin: float | None, region: str | None, account: str | None) -> None:
        journal = self.journal
        started = statefile.Started(origin, region, account)
        if journal is not None:
            started = statefile.resume(journal, self.clock, started)
        self.written_by = started.written_by  #: the tjsim version that started the state file
        origin = time.time() if started.origin is None else started.origin
        if not 0 <= origin <= LATEST:
            raise RequestError(f"--origin: a time between 1970 and {iso(LATEST)}")
        self.region, self.account = started.region or REGION, started.account or ACCOUNT
        self._simulate(origin)
        if journal is not None:
            try:
                self.keeper = statefile.replay(journal, self.sim, self.tags, self.feed)  # read only, so far
            except statefile.Mismatch as err:  # a cache of the replay that does not match: replay it all
                journal.notes.append(statefile.left_aside(journal, str(err)))
                self.tags = Tags()
                self._simulate(origin)
                self.keeper = statefile.replay(journal, self.sim, self.tags, self.feed, snapshot=False)
            journal.take()  # checked and replayed: now it is written to
            if not started.resumed:  # a new file: what it is started with, for the next server
                statefile.begin(journal, self.clock, origin=origin, region=self.region, account=self.account)
            self.awaiting_artifacts.update(self.sim.jobs)

    def _simulate(self, origin: float) -> None:
        """A new simulation from ``origin``, listed, and its changes fed as events."""
        self.sim = Simulation(origin=origin)
        self.listing = Listing(self.sim)
        #: every change, as events
        self.feed = Feed(self.sim, region=self.region, account=self.account, tags=self.tags.pairs)

    #: takes the journal's snapshots (:mod:`.snapshots`); None without a journal
    keeper: Keeper | None = None

    #: set while a clock move is under way in steps (:func:`.control.advance_stepping`): reads are
    #: answered meanwhile, mutations wait their :meth:`turn`
    moving: asyncio.Event | None = None
    #: why the simulation no longer matches the journal (a bug of ours part-way through a change):
    #: every mutation is then refused (503) until a restart replays the journal
    broken: str | None = None

    async def turn(self) -> None:
        """Wait until no clock move is under way: a mutation made in the middle of one would be
        journaled at an instant the move has already passed, and replay otherwise."""
        while self.moving is not None:
            await self.moving.wait()

    #: with a number N (``tjsim serve`` sets it), every N mutations the objects alive are frozen out of
    #: the cyclic garbage collector's generations (``gc.freeze``): the server's jobs never die, and a
    #: full collection walking them all paused every request for hundreds of milliseconds
    freeze_every: int | None = None
    _mutations = 0

    def __repr__(self) -> str:
        return f"<Backend {self.clock!r} t={self.sim.now:g} jobs={len(self.sim.jobs)}>"

    def close(self) -> None:
        """Let go of the state file (another server may then take it), with a snapshot of the jobs
        settled since the last: the next server adopts them instead of living them again."""
        if self.journal is not None:
            if self.keeper is not None and self.broken is None and not self.journal.read_only:
                self.keeper.safely(self.sim, self.feed)
            self.journal.close()

    @property
    def now(self) -> float:
        """The present, in epoch seconds."""
        return self.sim.origin + self.sim.now

    def sync(self) -> None:
        """Bring the simulation up to the clock's present (a realtime clock has moved on)."""
        present = self.clock.present(self.sim.now)
        if present > self.sim.now:
            self.sim.advance_to(present)
            self.feed.take()

    def created(self, job: Job, tags: list[dict[str, str]] | None) -> None:
        """A job was created (with its request's tags)."""
        self.tags.created(job.plan.arn, tags)
        self.awaiting_artifacts.add(job.plan.name)

    def persist(self, kind: str, payload: dict[str, Any], at: float | None = None) -> None:
        """Journal a mutation, durably, BEFORE it is applied: at the present, or at ``at`` for a clock
        move (nothing without a journal). Every check that can refuse it has been made; once this
        returns, applying it cannot fail.

        Raises:
            JournalFailure: the entry could not be written: apply nothing, and the file, the memory and
                the clock stay exactly as they were.
        """
        if self.broken is not None:
            raise JournalFailure(f"{self.broken}: this server's jobs no longer match its journal, and no change is "
                                 "taken; restart it (a restart replays the journal)")
        if self.journal is not None:
            self.journal.append(self.sim.now if at is None else at, kind, payload)

    def applied(self) -> None:
        """A persisted mutation has been applied: the changes it made are events, numbered as a replay
        of the journal numbers them."""
        self.feed.take()
        if self.keeper is not None:
            self.keeper.mutated(self.sim, self.feed)
        self._mutations += 1
        if self.freeze_every and self._mutations % self.freeze_every == 0:
            # the jobs live as long as the server: moved out of the collector's reach, a full
            # collection no longer walks every job's objects (pauses of hundreds of ms at 10k jobs)
            gc.freeze()
