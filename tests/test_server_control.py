"""The /_tjsim control API, in process: the clock's state and moves, forced paths."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from simulator.errors import RequestError
from simulator.server.backend import Backend
from simulator.server.control import advance, advance_to_next, clock_state, inject
from simulator.server.sagemaker import create_training_job

from .server_helpers import backend, describe, request


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
