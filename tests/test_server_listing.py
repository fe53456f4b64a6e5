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


def test_list_filters_sorts_and_pages():
    b = backend()
    for i in range(12):
        create_training_job(b, request(f"job-{i:02d}"))
        advance(b, 10)
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
