"""CloudWatch Logs of training jobs, judged by boto3 (in process): streams per instance and per start,
lines that agree with the describe, tokens, windows, filters, paginators and errors."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from .aws_helpers import GROUP, client, job, mock, run_to_end


def streams(logs, prefix: str) -> list[str]:
    pages = logs.get_paginator("describe_log_streams").paginate(logGroupName=GROUP, logStreamNamePrefix=prefix)
    return [s["logStreamName"] for page in pages for s in page["logStreams"]]


def events(logs, stream: str) -> list[dict]:
    out, token = [], None
    while True:
        page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True,
                                   **({"nextToken": token} if token else {}))
        if not page["events"]:
            return out
        out.extend(page["events"])
        token = page["nextForwardToken"]


def finished_stream(aws, name: str) -> str:
    """Job ``name``, created and run to its end on one instance: its one stream's name."""
    sm = client("sagemaker")
    sm.create_training_job(**job(name))
    run_to_end(aws, sm, name)
    (stream,) = streams(client("logs"), f"{name}/")
    return stream


def test_a_stream_per_instance_appears_when_the_instances_are_up_and_its_lines_agree_with_the_describe():
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        sm.create_training_job(**job("two", instances=2))
        assert streams(logs, "two/") == []  # Starting: no instance yet
        d = run_to_end(aws, sm, "two")
        names = streams(logs, "two/")
        up = next(t for t in d["SecondaryStatusTransitions"] if t["Status"] == "Downloading")["StartTime"]
        assert names == [f"two/algo-{n}-{int(up.timestamp())}" for n in (1, 2)]  # one suffix for all hosts
        lines = [e["message"] for e in events(logs, names[1])]
        assert lines[:2] == ["bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
                             "bash: no job control in this shell"]
        assert '    "current_host": "algo-2",' in lines
        toolkit = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} sagemaker-training-toolkit INFO     "
        assert re.fullmatch(toolkit + "Reporting training SUCCESS", lines[-1])
        final = {m["MetricName"]: m["Value"] for m in d["FinalMetricDataList"]}
        assert f"loss={final['train:loss']:g}" in lines and f"acc: {final['validation:accuracy']:g}" in lines
        training = next(t for t in d["SecondaryStatusTransitions"] if t["Status"] == "Training")
        first = events(logs, names[0])[0]["timestamp"]
        assert first == int(training["StartTime"].timestamp() * 1000)  # the container starts with Training


def test_an_event_exists_only_once_the_clock_has_passed_it():
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        sm.create_training_job(**job("live"))
        while sm.describe_training_job(TrainingJobName="live")["SecondaryStatus"] != "Training":
            aws.next("live")
        aws.advance(300)
        (name,) = streams(logs, "live/")
        seen = events(logs, name)
        assert seen and seen[-1]["timestamp"] <= aws.now * 1000
        aws.advance(600)
        assert len(events(logs, name)) > len(seen)


def test_a_restart_after_a_spot_interruption_opens_new_streams_and_resumes_from_the_checkpoint():
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        sm.create_training_job(**job("spot", scenario="spot-interrupted", EnableManagedSpotTraining=True,
                                     StoppingCondition={"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800},
                                     CheckpointConfig={"S3Uri": "s3://bucket/ckpt"}))
        d = run_to_end(aws, sm, "spot")
        interruptions = [t["Status"] for t in d["SecondaryStatusTransitions"]].count("Interrupted")
        names = streams(logs, "spot/")
        assert interruptions and len(set(names)) == len(names) == interruptions + 1
        second = [e["message"] for e in events(logs, names[-1])]
        assert any(line.startswith("Resuming training from checkpoint") for line in second)
        first = [e["message"] for e in events(logs, names[0])]
        assert not any("Reporting training" in line for line in first)  # the reclaimed instance wrote no end


def test_an_algorithm_error_ends_its_stream_with_the_traceback_and_the_toolkits_failure():
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        sm.create_training_job(**job("bad", scenario="algorithm-error"))
        d = run_to_end(aws, sm, "bad")
        assert d["FailureReason"].startswith("AlgorithmError")
        lines = [e["message"] for e in events(logs, streams(logs, "bad/")[-1])]
        assert "Traceback (most recent call last):" in lines
        assert lines[-1].endswith("sagemaker-training-toolkit ERROR    Encountered exit_code 1")


def test_get_log_events_pages_forwards_and_backwards_within_a_window():
    with mock() as aws:
        logs, name = client("logs"), finished_stream(aws, "pages")
        every = events(logs, name)
        last = logs.get_log_events(logGroupName=GROUP, logStreamName=name, limit=5)  # the tail by default
        assert last["events"] == every[-5:]
        before = logs.get_log_events(logGroupName=GROUP, logStreamName=name, limit=5,
                                     nextToken=last["nextBackwardToken"])
        assert before["events"] == every[-10:-5]
        after = logs.get_log_events(logGroupName=GROUP, logStreamName=name, nextToken=last["nextForwardToken"])
        assert after["events"] == [] and after["nextForwardToken"] == last["nextForwardToken"]
        start, end = every[10]["timestamp"], every[20]["timestamp"]
        window = logs.get_log_events(logGroupName=GROUP, logStreamName=name, startFromHead=True, startTime=start,
                                     endTime=end)["events"]
        assert window and all(start <= e["timestamp"] < end for e in window)
        assert window == [e for e in every if start <= e["timestamp"] < end]


def test_filter_log_events_merges_streams_in_time_order_and_matches_terms():
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        for name in ("f-a", "f-b"):
            sm.create_training_job(**job(name, instances=2))
        run_to_end(aws, sm, "f-a")
        run_to_end(aws, sm, "f-b")
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP, filterPattern="SUCCESS",
                                                                PaginationConfig={"PageSize": 1})
        found = [e for page in pages for e in page["events"]]
        assert len(found) == 4 and all("Reporting training SUCCESS" in e["message"] for e in found)
        assert [e["timestamp"] for e in found] == sorted(e["timestamp"] for e in found)
        either = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="f-a/",
                                        filterPattern='?"no job control" ?Neurons -bash')["events"]
        assert {e["message"][24:] for e in either} == {
            "sagemaker-training-toolkit INFO     No Neurons detected (normal if no neurons installed)"}


def test_tail_follow_sees_every_line_once_while_the_clock_moves():
    """The calls of ``aws logs tail --follow`` (the CLI v2's loop): FilterLogEvents from the newest
    timestamp seen, events told apart by id, while the job runs and opens new streams."""
    with mock() as aws:
        sm, logs = client("sagemaker"), client("logs")
        sm.create_training_job(**job("t", instances=2, scenario="spot-interrupted", EnableManagedSpotTraining=True,
                                     CheckpointConfig={"S3Uri": "s3://bucket/checkpoints"},
                                     StoppingCondition={"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800}))
        seen: dict[int, set[str]] = {}
        tailed: list[tuple[str, str]] = []
        request = {"logGroupName": GROUP, "interleaved": True, "logStreamNamePrefix": "t/", "startTime": 0}
        ended = False
        while True:
            page = logs.filter_log_events(**request)
            for event in page["events"]:
                if event["eventId"] not in seen.setdefault(event["timestamp"], set()):
                    seen[event["timestamp"]].add(event["eventId"])
                    tailed.append((event["logStreamName"], event["message"]))
            if seen:
                newest = max(seen)
                seen = {newest: seen[newest]}
            if "nextToken" in page:
                request["nextToken"] = page["nextToken"]
                continue
            request.pop("nextToken", None)
            request["startTime"] = max(seen, default=0)
            if ended:  # one more poll after the end, then the tail is done
                break
            ended = sm.describe_training_job(TrainingJobName="t")["TrainingJobStatus"] != "InProgress"
            aws.advance(300)
        everything = [(name, e["message"]) for name in streams(logs, "t/") for e in events(logs, name)]
        assert len(streams(logs, "t/")) == 6  # two hosts, three starts
        assert sorted(tailed) == sorted(everything)
        last = streams(logs, "t/")[-1]  # an event has one id, whichever query finds it
        alone = logs.filter_log_events(logGroupName=GROUP, logStreamNames=[last])["events"]
        among = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix="t/")["events"]
        assert {e["eventId"] for e in alone} <= {e["eventId"] for e in among}


def test_unknown_streams_bad_tokens_and_other_groups_are_the_services_errors():
    with mock() as aws:
        logs, name = client("logs"), finished_stream(aws, "err")
        cases = [
            (lambda: logs.get_log_events(logGroupName=GROUP, logStreamName="err/algo-9-1"),
             "ResourceNotFoundException"),
            (lambda: logs.get_log_events(logGroupName=GROUP, logStreamName=name, nextToken="f/garbage"),
             "InvalidParameterException"),
            (lambda: logs.describe_log_streams(logGroupName=GROUP, nextToken="!!!"), "InvalidParameterException"),
            (lambda: logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="err/", orderBy="LastEventTime"),
             "InvalidParameterException"),
            (lambda: logs.filter_log_events(logGroupName=GROUP, filterPattern="{ $.level = 1 }"),
             "InvalidParameterException"),
            (lambda: logs.get_log_events(logGroupName="/not/ours", logStreamName="x"), "ResourceNotFoundException"),
        ]
        for call, code in cases:
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == code
