"""The /_tjsim control API, in process: the clock's state and moves, forced paths."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime

import pytest

from simulator.errors import JournalFailure, RequestError
from simulator.server import control
from simulator.server.app import AWS_JSON, create_app
from simulator.server.backend import Backend
from simulator.server.control import advance, advance_to_next, clock_state, inject
from simulator.server.sagemaker import create_training_job

from .server_helpers import backend, describe, http_scope, request


def test_inject_forces_a_path_now():
    b = backend()
    create_training_job(b, request())
    advance(b, 500)
    inject(b, "job-1", {"type": "fail", "error": "ClientError", "message": "Data download failed: denied"})
    assert describe(b)["SecondaryStatus"] == "Training"  # the service writes the final status a moment later
    advance(b, 1)
    d = describe(b)
    assert (d["SecondaryStatus"], d["FailureReason"]) == ("Failed", "ClientError: Data download failed: denied")


@pytest.mark.parametrize("body, message", [
    ({"type": "interupt"},
     r"^type: 'interupt' is not one of stop, interrupt, fail, update \(did you mean 'interrupt'\?\)$"),
    ({}, r"^type: required key is missing"),
    ({"type": "fail", "error": "Oops"}, r"^error: Input should be 'AlgorithmError'"),
    ({"type": "fail", "message": ""}, r"^error: required key is missing; message: String should have at least 1"),
    ({"type": "stop", "at": 5}, r"^at: unknown key$"),
    ({"type": "update", "changes": {"ProfilerConfig": {"Bad": 1}}}, r"ProfilerConfig.Bad: unknown member"),
])
def test_a_wrong_injection_is_one_line(body, message):
    b = backend()
    create_training_job(b, request())
    with pytest.raises(RequestError, match=message):
        inject(b, "job-1", body)


def test_next_stays_put_when_the_named_job_will_not_change():
    b = backend()
    create_training_job(b, request("a"))
    while advance_to_next(b, "a")["changed"]:
        pass
    create_training_job(b, request("b"))
    now = b.sim.now
    assert advance_to_next(b, "a") == {**clock_state(b), "changed": False} and b.sim.now == now
    assert describe(b, "b")["SecondaryStatus"] == "Starting"
    assert advance_to_next(b)["changed"]  # any job: b moves on


def test_next_goes_no_earlier_than_the_simulations_next_change():
    b = backend()
    assert b.sim.next_change_time() == math.inf  # nothing scheduled: the clock stays put
    assert advance_to_next(b) == {**clock_state(b), "changed": False} and b.sim.now == 0
    create_training_job(b, request())
    due = b.sim.next_change_time()
    assert 0 < due < math.inf
    assert advance_to_next(b)["changed"] and b.sim.now >= due


@pytest.mark.parametrize("seconds, message", [
    (-1, "from 0 to"), (True, "from 0 to"), ("5", "from 0 to"), (1e300, "from 0 to"), (float("nan"), "from 0 to"),
])
def test_the_clock_moves_within_bounds(seconds, message):
    with pytest.raises(RequestError, match=message):
        advance(backend(), seconds)


def test_the_clock_stops_before_timestamps_clients_cannot_hold():
    b = Backend(origin=datetime(8999, 12, 1, tzinfo=UTC).timestamp())
    with pytest.raises(RequestError, match="the last time tjsim serves"):
        advance(b, 365 * 86400)
    with pytest.raises(RequestError, match="--origin: a time between 1970 and"):
        Backend(origin=datetime(9999, 1, 1, tzinfo=UTC).timestamp())


def _jobs(count: int) -> Backend:
    b = backend()
    for i in range(count):
        create_training_job(b, request(f"job-{i}"))
        advance(b, 7)
    return b


def test_a_move_in_steps_is_the_move_made_at_once_events_and_describes_alike():
    """Steps of 5 events, the feed taken between them: the same describes, and the feed's events the
    same, numbered alike (a restart replays the move at once)."""
    at_once, in_steps = _jobs(40), _jobs(40)
    advance(at_once, 3600)
    taken = []

    async def stepping():
        task = asyncio.create_task(control.advance_stepping(in_steps, 3600, step=5))
        while not task.done():
            taken.append(len(in_steps.feed))
            await asyncio.sleep(0)
        return await task

    asyncio.run(stepping())
    assert len(set(taken)) > 10  # the feed grew while the clock moved
    assert in_steps.sim.now == at_once.sim.now
    assert [describe(in_steps, n) for n in in_steps.sim.jobs] == [describe(at_once, n) for n in at_once.sim.jobs]
    assert len(in_steps.feed) == len(at_once.feed)
    assert [in_steps.feed.encoded(n) for n in range(1, len(at_once.feed) + 1)] == \
        [at_once.feed.encoded(n) for n in range(1, len(at_once.feed) + 1)]


def test_while_the_clock_moves_reads_are_answered_and_mutations_wait(monkeypatch):
    """Through the ASGI app: an hour's move over many jobs, 5 events a step. A describe is answered in
    the middle of it; a create sent then waits, and is made at the instant the move ends (journaled
    there: a replay makes it there too)."""
    monkeypatch.setattr(control, "STEP_EVENTS", 5)
    monkeypatch.setattr(control, "STEP_SECONDS", 0)
    b = _jobs(40)
    served = create_app(b)
    start = b.sim.now

    async def call(path: str, body: dict, target: str | None = None) -> tuple[int, dict]:
        headers = {"content-type": AWS_JSON if target else "application/json"}
        if target:
            headers["x-amz-target"] = f"SageMaker.{target}"
        sent, pieces = [], [{"type": "http.request", "body": json.dumps(body).encode(), "more_body": False}]

        async def receive():
            return pieces.pop(0) if pieces else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        await served(http_scope("POST", path, headers), receive, send)
        status = next(m for m in sent if m["type"] == "http.response.start")["status"]
        return status, json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))

    async def story():
        move = asyncio.create_task(call("/_tjsim/clock/advance", {"seconds": 3600}))
        while b.moving is None:
            await asyncio.sleep(0)
        status, described = await call("/", {"TrainingJobName": "job-0"}, "DescribeTrainingJob")
        assert status == 200 and described["TrainingJobName"] == "job-0" and b.moving is not None  # mid-move
        assert start < b.sim.now < start + 3600
        create = asyncio.create_task(call("/", request("late"), "CreateTrainingJob"))
        await asyncio.sleep(0)
        assert "late" not in b.sim.jobs  # it waits for the move
        assert (await move)[0] == 200
        assert (await create)[0] == 200

    asyncio.run(story())
    assert b.sim.job("late").created == start + 3600


def test_a_move_that_fails_part_way_refuses_every_change_after_it(monkeypatch):
    """A bug of ours mid-move: the journal says the move was made, memory says otherwise; a change
    made now would be journaled at an instant the replay does not reach in the same state."""
    b = _jobs(5)
    steps = iter(range(3))
    real = b.sim.advance_some

    def failing(t, budget):
        if next(steps, None) is None:
            raise RuntimeError("a bug")
        return real(t, budget)

    monkeypatch.setattr(b.sim, "advance_some", failing)
    with pytest.raises(RuntimeError):
        asyncio.run(control.advance_stepping(b, 3600, step=1))
    assert b.moving is None  # reads go on
    with pytest.raises(JournalFailure, match="no longer match its journal"):
        create_training_job(b, request("after"))


def test_a_move_cancelled_as_the_server_stops_is_made_whole():
    b = _jobs(5)
    target = b.sim.now + 3600

    async def stopping():
        task = asyncio.create_task(control.advance_stepping(b, 3600, step=1))
        while b.moving is None:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(stopping())
    assert b.sim.now == target and b.broken is None
