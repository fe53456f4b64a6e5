"""ListTrainingJobs' pages: filters, sort orders, tokens, and the summaries they are made of."""

from __future__ import annotations

import json

import pytest

from simulator.errors import RequestError
from simulator.server.backend import Backend
from simulator.server.control import advance, advance_to_next
from simulator.server.sagemaker import create_training_job, describe_training_job, list_training_jobs, stop_training_job

from .server_helpers import ORIGIN, backend, request


def listed(b: Backend, query: dict) -> dict:
    return json.loads(list_training_jobs(b, query))


def created_every(seconds: float, count: int) -> Backend:
    """A backend with ``count`` jobs, job-00 onwards, created ``seconds`` apart."""
    b = backend()
    for i in range(count):
        create_training_job(b, request(f"job-{i:02d}"))
        advance(b, seconds)
    return b


def test_list_filters_sorts_and_pages():
    b = created_every(10, 12)
    stop_training_job(b, {"TrainingJobName": "job-03"})
    everything = listed(b, {})
    assert len(everything["TrainingJobSummaries"]) == 10 and "NextToken" in everything
    rest = listed(b, {"NextToken": everything["NextToken"]})
    names = [s["TrainingJobName"] for s in everything["TrainingJobSummaries"] + rest["TrainingJobSummaries"]]
    assert names == [f"job-{i:02d}" for i in range(12)] and "NextToken" not in rest
    assert [s["TrainingJobName"] for s in listed(b, {"StatusEquals": "Stopping"})["TrainingJobSummaries"]] \
        == ["job-03"]
    assert len(listed(b, {"NameContains": "job-1"})["TrainingJobSummaries"]) == 2
    after = ORIGIN + 45
    windowed = listed(b, {"CreationTimeAfter": after, "CreationTimeBefore": after + 30})
    assert [s["TrainingJobName"] for s in windowed["TrainingJobSummaries"]] == ["job-05", "job-06", "job-07"]
    by_name = listed(b, {"SortBy": "Name", "SortOrder": "Descending", "MaxResults": 3})
    assert [s["TrainingJobName"] for s in by_name["TrainingJobSummaries"]] == ["job-11", "job-10", "job-09"]
    with pytest.raises(RequestError, match="Invalid pagination token"):  # a token of another query
        listed(b, {"NextToken": everything["NextToken"], "StatusEquals": "Completed"})


def test_jobs_created_together_keep_their_creation_order_either_way():
    b = backend()
    for name in ("c", "a", "b"):
        create_training_job(b, request(name))
    stop_training_job(b, {"TrainingJobName": "a"})

    def names(**query):
        return [s["TrainingJobName"] for s in listed(b, query)["TrainingJobSummaries"]]

    assert names() == ["c", "a", "b"] and names(SortOrder="Descending") == ["b", "a", "c"]
    assert names(SortBy="Status") == ["c", "b", "a"]  # InProgress before Stopping, then as created
    assert names(SortBy="Status", SortOrder="Descending") == ["a", "b", "c"]


def test_list_filters_by_warm_pool_status_and_training_plan():
    b = backend()
    plan = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/p1"
    pooled = request("pooled")
    pooled["ResourceConfig"] = {**pooled["ResourceConfig"], "KeepAlivePeriodInSeconds": 1800}
    planned = request("planned")
    planned["ResourceConfig"] = {**planned["ResourceConfig"], "TrainingPlanArn": plan}
    for body in (pooled, planned, request("plain")):
        create_training_job(b, body)
    while json.loads(describe_training_job(b, {"TrainingJobName": "pooled"}))["TrainingJobStatus"] == "InProgress":
        advance_to_next(b, "pooled")

    def names(**query):
        return [s["TrainingJobName"] for s in listed(b, query)["TrainingJobSummaries"]]

    assert names(WarmPoolStatusEquals="Available") == ["pooled"]
    assert names(WarmPoolStatusEquals="InUse") == []
    assert names(TrainingPlanArnEquals=plan) == ["planned"]
    summaries = {s["TrainingJobName"]: s for s in listed(b, {})["TrainingJobSummaries"]}
    assert summaries["planned"]["TrainingPlanArn"] == plan and "TrainingPlanArn" not in summaries["plain"]
    assert summaries["pooled"]["WarmPoolStatus"]["Status"] == "Available"


def test_a_summary_is_made_again_only_when_the_job_has_changed():
    b = backend()
    create_training_job(b, request("a"))
    job = b.sim.job("a")
    first = b.listing.summary(job)
    assert b.listing.summary(job) is first  # nothing happened: the same entry
    advance_to_next(b, "a")
    again = b.listing.summary(job)
    assert again is not first and again["LastModifiedTime"] > first["LastModifiedTime"]
    assert again == {k: v for k, v in json.loads(describe_training_job(b, {"TrainingJobName": "a"})).items()
                     if k in again}


def everything(b: Backend, query: dict, between=None) -> list[str]:
    """Every page of ``query``, ``between()`` called after each page: the names, in order."""
    names, token = [], None
    while True:
        page = listed(b, {**query, **({"NextToken": token} if token else {})})
        names += [s["TrainingJobName"] for s in page["TrainingJobSummaries"]]
        token = page.get("NextToken")
        if token is None:
            return names
        if between is not None:
            between()


@pytest.mark.parametrize("query", [
    {"SortOrder": "Descending"}, {"SortOrder": "Ascending"}, {"SortBy": "Name", "SortOrder": "Descending"},
    {"SortBy": "Name"}, {"SortBy": "Status"}, {"SortBy": "Status", "SortOrder": "Descending"},
])
def test_creates_between_pages_never_repeat_or_skip_a_job_listed_from_the_start(query):
    b = backend()
    for i in range(60):
        create_training_job(b, request(f"old-{i:03d}"))
    created = iter(range(1000))

    def create():
        n = next(created)
        create_training_job(b, request(f"new-{n:03d}" if query.get("SortBy") != "Name" else f"mid-{n:03d}"))

    names = everything(b, {**query, "MaxResults": 7}, between=create)
    assert len(names) == len(set(names))  # nothing twice
    assert {f"old-{i:03d}" for i in range(60)} <= set(names)  # everything there from the start, once
    if query.get("SortBy", "CreationTime") == "CreationTime":
        new = [n for n in names if n.startswith("new-")]
        assert new == ([] if query["SortOrder"] == "Descending" else sorted(new))


def test_a_job_that_matches_throughout_is_listed_exactly_once_while_the_clock_moves():
    b = created_every(30, 40)
    stop_training_job(b, {"TrainingJobName": "job-39"})
    steady = {s["TrainingJobName"] for s in listed(b, {"StatusEquals": "InProgress", "MaxResults": 100})[
        "TrainingJobSummaries"]}
    names = everything(b, {"StatusEquals": "InProgress", "MaxResults": 3}, between=lambda: advance(b, 300))
    still = {s["TrainingJobName"] for s in listed(b, {"StatusEquals": "InProgress", "MaxResults": 100})[
        "TrainingJobSummaries"]}
    assert len(names) == len(set(names)) and steady & still <= set(names)  # in progress throughout: once each
    assert steady - still, "no job finished during the pagination: the test shows nothing"


def test_a_full_pagination_reads_each_job_about_once(monkeypatch):
    b = backend()
    for i in range(300):
        create_training_job(b, request(f"job-{i:03d}"))
    reads = []
    real = b.listing.summary
    monkeypatch.setattr(b.listing, "summary", lambda job: reads.append(job) or real(job))
    for query in ({}, {"SortBy": "Name", "SortOrder": "Descending"}, {"NameContains": "job-2"}):
        reads.clear()
        names = everything(b, {**query, "MaxResults": 10})
        assert len(reads) <= 300 + len(names) // 10 + 1  # no re-sort of all jobs per page: linear, not quadratic


@pytest.mark.parametrize("token", [
    "e30=", "eyJhZnRlciI6IC0xLCAicXVlcnkiOiAiIn0=", "not base64!", "eyJhZnRlciI6IHRydWV9",
])
def test_a_token_of_no_query_is_refused(token):
    b = backend()
    create_training_job(b, request("job-1"))
    with pytest.raises(RequestError, match="Invalid pagination token"):
        listed(b, {"NextToken": token})
