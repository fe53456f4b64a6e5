"""The ``/_tjsim`` control API: the clock's state, moving a manual clock (by seconds, or to the next
change), and forcing a job's path now.

A clock move is journaled as one entry, however many steps it took: replaying it runs the same steps.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import RequestError
from ..format.events import ACTION
from ..format.problems import problems_in
from ..limits import MAX_SECONDS
from . import collector
from .clock import LATEST, ManualClock, RealtimeClock, iso
from .sagemaker import act

if TYPE_CHECKING:
    from .backend import Backend


MAX_SPEED = 1_000_000.0  #: simulated seconds per real second, at most


def clock_state(backend: Backend) -> dict[str, Any]:
    """The present (epoch and simulated seconds), and the clock's mode, speed and origin."""
    sim = backend.sim
    return {"now": round(backend.now, 3), "simulated_seconds": round(sim.now, 3), "mode": backend.clock.mode,
            "speed": backend.clock.speed, "origin": sim.origin}


def advance(backend: Backend, seconds: Any) -> dict[str, Any]:
    """Move a manual clock on by ``seconds`` (up to a year at a time).

    Raises:
        RequestError: the clock is realtime; ``seconds`` is not a number of seconds from 0 to a
            year, or would move the clock past :data:`~.clock.LATEST`.
    """
    target = _target(backend, seconds)
    if target > backend.sim.now:
        backend.persist("clock", {}, at=target)  # the move journaled, then made
        backend.sim.advance_to(target)
        backend.applied()
    return clock_state(backend)


#: a clock move works this long (wall-clock seconds, checked every :data:`STEP_EVENTS` events) before
#: it lets the server answer others, taking the feed's events so far (a take costs what changed since
#: the last). How a move is cut changes nothing it makes: only how long a request waits.
STEP_SECONDS = 0.008
STEP_EVENTS = 100


async def advance_stepping(backend: Backend, seconds: Any, step: int | None = None) -> dict[str, Any]:
    """:func:`advance`, made in steps of :data:`STEP_SECONDS` (or of ``step`` events, for tests):
    between steps the server answers others —
    describes and lists see the clock part of the way, the feed's events come as they happen, and
    mutations wait until the move is made. An hour over 10,000 jobs is 70,000 changes: made at once,
    every request waited the second and a half it took. The steps, the events' numbers and every
    describe after it are those of one :func:`advance` (a restart replays it at once).

    Raises:
        RequestError: as :func:`advance`.
    """
    await backend.turn()
    target = _target(backend, seconds)
    sim = backend.sim
    if target > sim.now:
        backend.persist("clock", {}, at=target)
        backend.moving = moving = asyncio.Event()
        # what a move makes lives on (histories, events): a collection mid-move paused 0.1 s
        with collector.lasting():
            try:
                pause = time.perf_counter()
                while not sim.advance_some(target, step or STEP_EVENTS):
                    if step is None and time.perf_counter() - pause < STEP_SECONDS:
                        continue
                    backend.feed.take(before=sim.now)  # what is whole so far, for the feed's followers
                    await asyncio.sleep(0)
                    pause = time.perf_counter()
            except asyncio.CancelledError:  # the server stopping: the move is journaled, so it is made
                sim.advance_to(target)
                backend.applied()
                raise
            except BaseException as err:  # a bug of ours part-way: memory is no longer what the journal says
                backend.broken = f"a clock move failed part-way ({type(err).__name__})"
                raise
            finally:
                backend.moving = None
                moving.set()
        backend.applied()
    return clock_state(backend)


def _target(backend: Backend, seconds: Any) -> float:
    """Where a move of a manual clock by ``seconds`` goes.

    Raises:
        RequestError: as :func:`advance`.
    """
    _manual(backend, "advance")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= MAX_SECONDS:
        raise RequestError(f"seconds: a number of seconds from 0 to {MAX_SECONDS:.0f} (a year) (got {seconds!r})")
    if backend.sim.origin + backend.sim.now + seconds > LATEST:
        raise RequestError(f"seconds: the clock would pass {iso(LATEST)}, the last time tjsim serves")
    return backend.sim.now + seconds


def advance_to_next(backend: Backend, name: Any = None) -> dict[str, Any]:
    """Move a manual clock to the next change of job ``name``, or of any job. The clock stays put
    when nothing more will change as it runs, and stops before :data:`~.clock.LATEST`.

    Raises:
        RequestError: the clock is realtime; ``name`` is not a job's name.
        ResourceNotFound: no job is named ``name``.
    """
    _manual(backend, "next")
    if name is not None and not isinstance(name, str):
        raise RequestError(f"TrainingJobName: the name of a training job (got {name!r})")
    sim = backend.sim
    jobs = [sim.job(name)] if name is not None else list(sim.jobs.values())
    before = [len(job.history) for job in jobs]  # a history grows whenever a client would see a change
    start = sim.now
    while (due := sim.next_change_time()) < math.inf and not all(job.settled for job in jobs):
        if sim.origin + due > LATEST:
            break
        if due > sim.now:  # each step journaled before it is made: a failed write stops where the file does
            backend.persist("clock", {}, at=due)
        sim.advance_to(due)
        if [len(job.history) for job in jobs] != before:
            break
    if sim.now > start:
        backend.applied()
    return {**clock_state(backend), "changed": [len(job.history) for job in jobs] != before}


def inject(backend: Backend, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Force a path now: ``{"type": "interrupt"}``, ``{"type": "fail", "error": ..., "message": ...}``,
    ``{"type": "stop"}`` or ``{"type": "update", "changes": {...}}``.

    Raises:
        RequestError: ``body`` is not one of those (one line naming each problem), or an update adds a
            rule the job has.
        ResourceNotFound: no job is named ``name``.
        InvalidAction: the job's status does not take the action.
    """
    try:
        action = ACTION.validate_python(body)
    except ValidationError as err:
        raise RequestError("; ".join(map(str, problems_in(err)))) from None
    act(backend, name, action)
    return {"TrainingJobName": name, **clock_state(backend)}


def pause(backend: Backend) -> dict[str, Any]:
    """Stop a realtime clock where it is: the clock is manual from now on (until :func:`play`). The
    instant it stopped at is journaled (a restart from the state file starts there)."""
    return _switch(backend, ManualClock)


def play(backend: Backend, speed: Any) -> dict[str, Any]:
    """Run the clock in real time from where it is, ``speed`` simulated seconds per real second.

    Raises:
        RequestError: ``speed`` is not a number from 0.001 to 1,000,000.
    """
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not 0.001 <= speed <= MAX_SPEED:
        raise RequestError(f"speed: simulated seconds per real second, from 0.001 to {MAX_SPEED:,.0f} (got {speed!r})")
    return _switch(backend, lambda: RealtimeClock(speed, wall_origin=time.time() - backend.sim.now / speed))


def _switch(backend: Backend, clock: Callable[[], ManualClock | RealtimeClock]) -> dict[str, Any]:
    """Run on ``clock()``, made at the present: the instant journaled, and every waiting client told
    (one waiting on a stopped clock must now follow a running one)."""
    backend.sync()
    backend.persist("clock", {})
    backend.clock = clock()
    backend.applied()
    backend.feed.wake()
    return clock_state(backend)


def scenarios(backend: Backend) -> dict[str, Any]:
    """The scenarios a job can live (its tag ``tjsim:scenario``): name, description and request."""
    return {"scenarios": [{"name": name, "description": getattr(story, "description", ""),
                           "request": getattr(story, "job", None)}
                          for name, story in sorted(backend.stories.scenarios.items())],
            "default": backend.stories.default}


def _manual(backend: Backend, what: str) -> None:
    """Refuse to move a realtime clock by hand.

    Raises:
        RequestError: the clock is realtime.
    """
    if backend.clock.mode != "manual":
        raise RequestError(f"the clock is running (realtime): pause it first (POST /_tjsim/clock/pause) to "
                           f"{what} it by hand")


