"""Every snapshot of every shipped scenario is a response the service could send."""

from __future__ import annotations

from datetime import datetime

import pytest

from simulator import conformance
from simulator.engine.snapshot import to_boto3
from simulator.engine.statuses import TERMINAL, Secondary

from .conftest import SCENARIOS, replayed


def test_every_snapshot_conforms(shipped):
    for job in shipped.jobs:
        for t, response in [*shipped.timeline(job=job.plan.name), *shipped.timeline(poll=97, job=job.plan.name)]:
            assert conformance.problems(response) == [], f"{job.plan.name} t={t}"


def test_snapshots_are_monotonic_and_final_status_never_changes(shipped):
    for job in shipped.jobs:
        previous = None
        ended = None
        for _, response in shipped.timeline(job=job.plan.name):
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
    from simulator.engine.snapshot import describe

    with pytest.raises(ValueError, match="cannot describe"):
        describe(job, job.env.now + 1)


def test_shipped_scenarios_reach_every_status():
    reached = set()

    for path in SCENARIOS:
        r = replayed(path.stem)
        for job in r.jobs:
            reached |= {e["Status"] for e in r.describe(job=job.plan.name)["SecondaryStatusTransitions"]}
    assert reached == {str(s) for s in Secondary}


def test_shipped_scenarios_reach_every_warm_pool_status_and_the_stop_upload():
    pools, stop_uploads = set(), 0
    for path in SCENARIOS:
        r = replayed(path.stem)
        for job in r.jobs:
            for _, response in r.timeline(job=job.plan.name):
                pools.add(response.get("WarmPoolStatus", {}).get("Status"))
                statuses = (response["TrainingJobStatus"], response["SecondaryStatus"])
                stop_uploads += statuses == ("Stopping", "Uploading")
    assert pools == {None, "InUse", "Available", "Reused", "Terminated"}
    assert stop_uploads >= 3  # stopped while training, MaxRuntime, MaxWait
