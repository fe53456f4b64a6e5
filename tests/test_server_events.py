"""The feed of changes: one EventBridge-shaped event per change of a job, numbered in order, the same
numbers after a restart from the state file, in process as an iterator and over HTTP as
Server-Sent Events that resume from Last-Event-ID without loss or duplicates."""

from __future__ import annotations

import itertools
import json
import threading
import time

import httpx2 as httpx
import pytest

from simulator.server import control, sagemaker, tags
from simulator.server.backend import Backend
from simulator.server.journal import Journal

from .aws_helpers import client, job, mock, run_to_end

SPOT = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://bucket/checkpoints"},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}}


def test_every_change_of_every_job_is_one_event_shaped_as_eventbridge_delivers_it():
    with mock() as aws:
        sm = client("sagemaker")
        sm.create_training_job(**job("spot", scenario="spot-interrupted", **SPOT,
                                     Tags=[{"Key": "team", "Value": "vision"},
                                           {"Key": "tjsim:scenario", "Value": "spot-interrupted"}]))
        final = run_to_end(aws, sm, "spot")
        events = list(aws.events())
    statuses = [(e["detail"]["TrainingJobStatus"], e["detail"]["SecondaryStatus"]) for e in events]
    assert statuses[0] == ("InProgress", "Starting") and statuses[-1] == ("Completed", "Completed")
    assert [s for _, s in statuses].count("Interrupted") == 2
    last = events[-1]
    assert {k: last[k] for k in ("version", "detail-type", "source", "account", "region", "resources")} == {
        "version": "0", "detail-type": "SageMaker Training Job State Change", "source": "aws.sagemaker",
        "account": "123456789012", "region": "us-east-1", "resources": [final["TrainingJobArn"]]}
    detail = last["detail"]
    assert detail["LastModifiedTime"] == round(final["LastModifiedTime"].timestamp() * 1000)  # epoch ms
    assert detail["SecondaryStatusTransitions"][0]["StartTime"] == round(final["CreationTime"].timestamp() * 1000)
    assert detail["Tags"] == {"team": "vision", "tjsim:scenario": "spot-interrupted"}
    assert detail["BillableTimeInSeconds"] == final["BillableTimeInSeconds"]
    assert last["time"] == final["LastModifiedTime"].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len({e["id"] for e in events}) == len(events)
    # one event per instant the description changed: each differs from the one before
    details = [json.dumps({k: v for k, v in e["detail"].items() if k != "Tags"}) for e in events]
    assert all(a != b for a, b in itertools.pairwise(details))


def test_events_are_numbered_in_time_order_across_jobs_and_one_jobs_can_be_asked_for():
    with mock() as aws:
        sm = client("sagemaker")
        for name in ("a", "b", "c"):
            sm.create_training_job(**job(name))
            aws.advance(45)
        aws.advance(20_000)
        events = list(aws.events())
        times = [e["detail"]["LastModifiedTime"] for e in events]
        assert times == sorted(times) and len(events) > 9
        only_b = list(aws.events(name="b"))
        assert only_b == [e for e in events if e["detail"]["TrainingJobName"] == "b"]
        assert list(aws.events(after=len(events) - 2)) == events[-2:]


def test_a_restart_from_the_state_file_numbers_the_events_the_same(tmp_path):
    state = tmp_path / "state.db"
    first = Backend(journal=Journal(state), origin=1_735_689_600.0)
    for name in ("x", "y"):
        sagemaker.create_training_job(first, job(name, Tags=[{"Key": "team", "Value": "a"}]))
        control.advance(first, 300)
    tags.add_tags(first, {"ResourceArn": first.sim.job("y").plan.arn, "Tags": [{"Key": "team", "Value": "b"}]})
    control.inject(first, "x", {"type": "stop"})
    control.play(first, 5000)  # a clock run for a while, then stopped: where it stopped is kept
    time.sleep(0.3)
    control.pause(first)
    control.advance(first, 5000)
    before = [first.feed.encoded(n) for n in range(1, first.feed.last + 1)]
    teams = [json.loads(e)["detail"]["Tags"]["team"] for e in before if '"TrainingJobName":"y"' in e]
    assert teams[0] == "a" and teams[-1] == "b"  # an event carries the tags of its instant, always
    first.close()
    again = Backend(journal=Journal(state))
    try:
        assert [again.feed.encoded(n) for n in range(1, again.feed.last + 1)] == before
    finally:
        again.close()


def read_events(url: str, count: int, last_event_id: str | None = None, **params) -> list[tuple[int, dict]]:
    """The first ``count`` events of the stream (then it hangs up)."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    got: list[tuple[int, dict]] = []
    number = None
    with httpx.stream("GET", url + "/_tjsim/events", headers=headers, params=params, timeout=30) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("id:"):
                number = int(line[3:].rpartition("-")[2])
            elif line.startswith("data:"):
                got.append((number, json.loads(line[5:])))
                if len(got) == count:
                    return got
    return got


@pytest.mark.slow
def test_the_stream_resumes_after_a_reconnect_without_loss_or_duplicates(sagemaker_sim):
    sm = sagemaker_sim.client()
    sm.create_training_job(**job("streamed", instances=2))
    sagemaker_sim.advance(100_000)
    last = httpx.get(sagemaker_sim.endpoint_url + "/_tjsim/jobs").json()["last"]
    first = read_events(sagemaker_sim.endpoint_url, 3)
    rest = read_events(sagemaker_sim.endpoint_url, last - 3, last_event_id=str(first[-1][0]))
    numbers = [n for n, _ in first + rest]
    assert numbers == list(range(1, len(numbers) + 1))
    assert rest[-1][1]["detail"]["TrainingJobStatus"] == "Completed"


def numbers_while(sim, name: str, count: int, move) -> list[int]:
    """Job ``name`` created, a client waiting for ``count`` events after its first while ``move()``
    runs: the numbers it received."""
    sim.client().create_training_job(**job(name))
    got: list[tuple[int, dict]] = []
    reader = threading.Thread(target=lambda: got.extend(read_events(sim.endpoint_url, count, after="1")))
    reader.start()
    time.sleep(0.3)  # it waits
    move()
    reader.join(timeout=30)
    return [n for n, _ in got]


@pytest.mark.slow
def test_a_listener_sees_changes_as_the_clock_moves(sagemaker_sim):
    def step() -> None:
        for _ in range(4):
            sagemaker_sim.advance_to_next("live")

    assert numbers_while(sagemaker_sim, "live", 4, step) == [2, 3, 4, 5]


@pytest.mark.slow
def test_a_waiting_listener_follows_the_clock_once_it_plays(sagemaker_sim):
    try:
        assert numbers_while(sagemaker_sim, "played", 3, lambda: sagemaker_sim.play(2000)) == [2, 3, 4]
    finally:
        sagemaker_sim.pause()


def test_a_bad_last_event_id_is_the_clients_error(sagemaker_sim):
    url = sagemaker_sim.endpoint_url + "/_tjsim/events"
    sagemaker_sim.client().create_training_job(**job("one"))
    epoch = httpx.get(sagemaker_sim.endpoint_url + "/_tjsim/jobs").json()["epoch"]
    assert read_events(sagemaker_sim.endpoint_url, 1, last_event_id=f"{epoch}-0")[0][0] == 1
    for response in (httpx.get(url, headers={"Last-Event-ID": "abc"}), httpx.get(url, headers={"Last-Event-ID": "99"}),
                     httpx.get(url, headers={"Last-Event-ID": "0123abcd-1"}),  # another simulation's event
                     httpx.get(url, params={"after": "\u00b2"})):  # a digit to str.isdigit, not a number
        assert response.status_code == 400 and "Last-Event-ID" in response.json()["message"]


def test_a_client_that_stops_reading_is_dropped_not_buffered_for(monkeypatch):
    """A send that never completes (a client that reads nothing, its socket full) ends the stream
    after the send timeout, and the feed forgets the client."""
    import asyncio

    from starlette.requests import Request

    from simulator.server import eventstream

    monkeypatch.setattr(eventstream, "SEND_TIMEOUT", 0.3)
    backend = Backend(origin=1_735_689_600.0)
    sagemaker.create_training_job(backend, job("busy"))
    scope = {"type": "http", "method": "GET", "path": "/_tjsim/events", "headers": [], "query_string": b""}

    async def never_done(message):
        if message["type"] == "http.response.body" and message.get("body"):
            await asyncio.sleep(3600)

    async def connected():
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def serve():
        response = eventstream.response(backend, Request(scope))
        await asyncio.wait_for(response(scope, connected, never_done), timeout=10)

    import time

    started = time.monotonic()
    with pytest.raises(Exception) as raised:  # sse-starlette names its timeout its own way
        asyncio.run(serve())
    assert time.monotonic() - started < 3, "dropped by the send timeout, not by the test's own"
    assert "timeout" in type(raised.value).__name__.lower() or "timeout" in str(raised.value).lower()
    assert backend.feed._listeners == []


def test_a_client_that_hangs_up_is_forgotten():
    import asyncio

    from starlette.requests import Request

    from simulator.server import eventstream

    backend = Backend(origin=1_735_689_600.0)
    sagemaker.create_training_job(backend, job("hung"))
    scope = {"type": "http", "method": "GET", "path": "/_tjsim/events", "headers": [], "query_string": b""}
    sent: list[dict] = []

    async def record(message):
        sent.append(message)

    async def hangs_up():
        await asyncio.sleep(0.3)
        return {"type": "http.disconnect"}

    async def serve():
        await asyncio.wait_for(eventstream.response(backend, Request(scope))(scope, hangs_up, record), timeout=10)

    asyncio.run(serve())
    assert any(f"id: {backend.feed.epoch}-1\r".encode() in m.get("body", b"") for m in sent)  # it had its event
    assert backend.feed._listeners == []
