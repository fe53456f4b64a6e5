"""Every snapshot of every shipped scenario is a response the service could send."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator import conformance
from simulator.snapshot import to_boto3
from simulator.statuses import TERMINAL, Secondary

from .conftest import replayed


def test_every_snapshot_conforms(shipped):
    times = shipped.times() + shipped.times(poll=97)
    for t in sorted(set(times)):
        response = shipped.describe(t)
        assert conformance.problems(response) == [], f"t={t}"


def test_snapshots_are_monotonic_and_final_status_never_changes(shipped):
    previous = None
    ended = None
    for _, response in shipped.timeline():
        history = response["SecondaryStatusTransitions"]
        if previous is not None:
            assert response["LastModifiedTime"] >= previous["LastModifiedTime"]
            # history only grows; a past entry's start never changes
            assert [e["StartTime"] for e in history[: len(previous["SecondaryStatusTransitions"])]] == [
                e["StartTime"] for e in previous["SecondaryStatusTransitions"]]
        if ended is not None:
            assert response["SecondaryStatus"] == ended
        if response["SecondaryStatus"] in TERMINAL:
            ended = response["SecondaryStatus"]
        previous = response
    assert ended is not None


def test_boto3_form_has_datetimes():
    response = to_boto3(replayed("on-demand-completed").describe())
    assert isinstance(response["CreationTime"], datetime)
    assert response["CreationTime"].tzinfo is not None
    assert all(isinstance(e["StartTime"], datetime) for e in response["SecondaryStatusTransitions"])


def test_the_future_cannot_be_described():
    job = replayed("on-demand-completed").job
    from simulator.snapshot import describe

    with pytest.raises(ValueError, match="cannot describe"):
        describe(job, job.env.now + 1)


def test_shipped_scenarios_reach_every_status():
    reached = set()
    from .conftest import SCENARIOS

    for path in SCENARIOS:
        reached |= {e["Status"] for e in replayed(path.stem).describe()["SecondaryStatusTransitions"]}
    assert reached == {str(s) for s in Secondary}
