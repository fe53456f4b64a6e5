"""The modelled semantics, each on a job with constant timings so every number can be worked out
by hand (see docs/semantics.md for the rules and their sources)."""

from __future__ import annotations

import copy

import pytest

from simulator import compile_plan, parse, replay

from .factories import JOB, TIMING, scenario


def run(**kwargs):
    r = replay(scenario(**kwargs))
    return r, r.describe()


def statuses(response):
    return [e["Status"] for e in response["SecondaryStatusTransitions"]]


def times(response):
    base = response["CreationTime"]
    return [(e["Status"], round(e["StartTime"] - base, 3)) for e in response["SecondaryStatusTransitions"]]


def test_on_demand_completes_and_bills_its_training_time():
    _, d = run()
    # 2024+: the image pull (20 s) ends Downloading, after the input data (10 s)
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 130), ("Uploading", 1130),
                        ("Completed", 1140)]
    assert d["TrainingStartTime"] - d["CreationTime"] == 100  # = the end of Starting
    assert d["TrainingTimeInSeconds"] == d["BillableTimeInSeconds"] == 1040
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == "s3://bucket/out/unit-job/output/model.tar.gz"


def spot_run(checkpoint: bool, **extra):
    """A spot job interrupted once at t=500, checkpointing every 300 s of work."""
    data = dict(spot=(86400, 172800), checkpoint=checkpoint, events=[{"type": "interrupt", "at": 500}],
                checkpoint_settings={"interval": 300})
    data.update(extra)
    return run(**data)


def test_checkpointed_spot_job_loses_only_work_since_the_checkpoint():
    r, d = spot_run(checkpoint=True)
    # work 130→500 (370 s, checkpoint at 300); Interrupted 500-560; capacity 560-760; Starting 760-860;
    # Downloading 860-890 (data, then image); the remaining 700 s 890-1590; upload to 1600
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 130), ("Interrupted", 500),
                        ("Starting", 560), ("Downloading", 860), ("Training", 890), ("Uploading", 1590),
                        ("Completed", 1600)]
    assert d["TrainingTimeInSeconds"] == 1500
    # instances ran 100→500 and 860→1600: 1140 s at the 0.30 spot price ratio
    assert d["BillableTimeInSeconds"] == 342
    assert r.job.interruptions == 1


def test_spot_job_without_checkpoints_starts_over():
    _, d = spot_run(checkpoint=False)
    assert times(d)[-2:] == [("Uploading", 1890), ("Completed", 1900)]


def test_capacity_wait_message_then_launch():
    r, d = spot_run(checkpoint=True)
    starting_again = next(response for t, response in r.timeline() if t == 560)
    assert starting_again["SecondaryStatusTransitions"][-1]["StatusMessage"] == (
        "Insufficient capacity error from EC2 while launching instances, retrying!")
    assert d["SecondaryStatusTransitions"][4]["StatusMessage"] == "Preparing the instances for training"


def test_max_runtime_counts_instance_time_across_attempts():
    _, d = spot_run(checkpoint=False, job={}, spot=(1000, 172800))
    # 400 s of instance time in attempt 1; attempt 2's instances are up at 860: 600 s more at 1460
    # 30 s to save on SIGTERM, then the 10 s upload in an Uploading entry of its own
    assert times(d)[-3:] == [("Stopping", 1460), ("Uploading", 1490), ("MaxRuntimeExceeded", 1500)]
    assert d["TrainingJobStatus"] == "Stopped"
    assert d["TrainingEndTime"] - d["CreationTime"] == 1500


def test_sigterm_window_is_capped_at_120_seconds():
    _, d = run(job={"StoppingCondition": {"MaxRuntimeInSeconds": 500}}, timing={"sigterm_save": 600})
    assert times(d)[-3:] == [("Stopping", 600), ("Uploading", 720), ("MaxRuntimeExceeded", 730)]  # 120 s + 10 s


def test_max_wait_counts_from_creation_and_capacity_never_granted_is_never_billed():
    _, d = run(spot=(3600, 3600), **{"spot_settings": {"capacity": "never"}})
    assert times(d) == [("Starting", 0), ("Stopping", 3600), ("MaxWaitTimeExceeded", 3605)]
    assert d["SecondaryStatusTransitions"][0]["StatusMessage"].startswith("Insufficient capacity")
    for member in ("TrainingStartTime", "TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds"):
        assert member not in d


def test_stop_while_interrupted_keeps_the_billing_fields():
    scen = scenario(spot=(86400, 172800), events=[{"type": "interrupt", "at": 500}, {"type": "stop", "at": 520}])
    d = replay(scen).describe()
    assert statuses(d)[-3:] == ["Interrupted", "Stopping", "Stopped"]
    assert d["TrainingTimeInSeconds"] == 425 and "BillableTimeInSeconds" in d


def test_stop_while_starting_has_no_billing_fields():
    _, d = run(events=[{"type": "stop", "at": 50}])
    assert times(d) == [("Starting", 0), ("Stopping", 50), ("Stopped", 55)]
    assert "TrainingStartTime" not in d and "BillableTimeInSeconds" not in d


def test_stop_while_training_saves_then_uploads_in_an_uploading_entry_of_its_own():
    r, d = run(events=[{"type": "stop", "at": 400}])
    assert times(d)[-3:] == [("Stopping", 400), ("Uploading", 430), ("Stopped", 440)]
    assert [e["StatusMessage"] for e in d["SecondaryStatusTransitions"][-3:]] == [
        "Stopping the training job", "Uploading generated training model", "Training job stopped"]
    # the job was stopped: its primary status stays Stopping while the model uploads
    assert (r.describe(435)["TrainingJobStatus"], r.describe(435)["SecondaryStatus"]) == ("Stopping", "Uploading")
    assert d["TrainingTimeInSeconds"] == 340


def test_stop_upload_shapes_are_settings():
    _, d = run(events=[{"type": "stop", "at": 400}], lifecycle={"stop_upload": "stopping"})
    assert times(d)[-2:] == [("Stopping", 400), ("Stopped", 440)]  # save and upload within Stopping
    r, d = run(events=[{"type": "stop", "at": 400}], lifecycle={"stop_upload_primary": "InProgress"})
    assert r.describe(435)["TrainingJobStatus"] == "InProgress"


def test_stop_while_uploading_finishes_the_upload_after_stopping():
    _, d = run(events=[{"type": "stop", "at": 1135}])  # 5 s into the 10 s upload
    assert times(d)[-4:] == [("Uploading", 1130), ("Stopping", 1135), ("Uploading", 1140), ("Stopped", 1145)]


def test_stop_without_upload_setting():
    _, d = run(events=[{"type": "stop", "at": 400}], lifecycle={"stop_upload": "none"})
    assert times(d)[-2:] == [("Stopping", 400), ("Stopped", 405)]
    # the setting it replaced still works
    _, old = run(events=[{"type": "stop", "at": 400}], lifecycle={"upload_on_stop": False})
    assert times(old) == times(d)


def test_failure_reason_and_failure_during_stopping():
    _, d = run(events=[{"type": "stop", "at": 400}, {"type": "fail", "at": 410, "error": "ClientError",
                                                     "message": "Artifact upload failed: Access Denied"}])
    assert statuses(d)[-2:] == ["Stopping", "Failed"]
    assert d["FailureReason"] == "ClientError: Artifact upload failed: Access Denied"


def test_internal_error_is_retried_straight_back_to_starting_until_attempts_are_spent():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 1}},
               events=[{"type": "fail", "at": 300, "error": "InternalServerError"},
                       {"type": "fail", "at": 800, "error": "InternalServerError"}])
    # [DOC] "When the job is retried, its SecondaryStatus is changed to STARTING": no Restarting
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 130), ("Starting", 300),
                        ("Downloading", 400), ("Training", 430), ("Failed", 800)]
    assert d["SecondaryStatusTransitions"][3]["StatusMessage"] == "Preparing the instances for training"
    assert d["FailureReason"] == "InternalServerError: We encountered an internal error. Please try again."


def test_retry_with_restarting_status_setting():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 3}}, lifecycle={"restarting_on_retry": True},
               events=[{"type": "fail", "at": 300, "error": "InternalServerError"}])
    assert times(d)[:5] == [("Starting", 0), ("Downloading", 100), ("Training", 130), ("Restarting", 300),
                            ("Starting", 315)]
    assert d["SecondaryStatusTransitions"][3]["StatusMessage"] == "Restarting the training job after an internal error"
    assert d["SecondaryStatus"] == "Completed"


def test_other_errors_are_not_retried():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 3}},
               events=[{"type": "fail", "at": 300, "error": "AlgorithmError"}])
    assert statuses(d)[-1] == "Failed" and "Restarting" not in statuses(d)


def test_pipe_mode_downloads_only_the_image_today_and_nothing_before_2024():
    job = copy.deepcopy(JOB)
    job["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe"
    r, d = run(job={"AlgorithmSpecification": job["AlgorithmSpecification"]})
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 120), ("Uploading", 1120),
                        ("Completed", 1130)]
    assert r.describe(100)["SecondaryStatusTransitions"][-1]["StatusMessage"] == "Downloading the training image"
    assert d["TrainingStartTime"] == d["SecondaryStatusTransitions"][1]["StartTime"]
    _, old = run(job={"AlgorithmSpecification": job["AlgorithmSpecification"]}, lifecycle={"era": "2019-2023"})
    assert statuses(old) == ["Starting", "Training", "Uploading", "Completed"]


def test_a_job_with_no_input_channels_still_pulls_its_image_in_downloading():
    data = {"job": {k: v for k, v in copy.deepcopy(JOB).items() if k != "InputDataConfig"}, "timing": TIMING}
    r = replay(parse(data))
    assert messages(r, "Downloading") == [(100, "Downloading the training image")]


def test_channel_input_mode_overrides_the_algorithms():
    channels = copy.deepcopy(JOB["InputDataConfig"])
    channels[0]["InputMode"] = "FastFile"
    r, _ = run(job={"InputDataConfig": channels})
    assert [m for _, m in messages(r, "Downloading")] == ["Downloading the training image"]


def test_update_detours_through_updating_and_is_echoed():
    changes = {"ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100},
               "ProfilerRuleConfigurations": [{"RuleConfigurationName": "LowGPU", "RuleEvaluatorImage": "img"}]}
    _, d = run(events=[{"type": "update", "at": 400, "changes": changes}],
               rules={"LowGPU": {"result": "IssuesFound"}})
    assert times(d)[2:5] == [("Training", 130), ("Updating", 400), ("Training", 425)]
    assert d["ProfilerConfig"] == {"ProfilingIntervalInMilliseconds": 100}
    assert d["ProfilingStatus"] == "Enabled"
    assert d["ProfilerRuleEvaluationStatuses"][0]["RuleEvaluationStatus"] == "IssuesFound"
    # training went on while updating: the job ends as if never updated
    assert times(d)[-1] == ("Completed", 1140)
    # the rule finished after the job (written 0.25 s after it ended): LastModifiedTime moved on
    assert d["LastModifiedTime"] - d["TrainingEndTime"] == pytest.approx(50.25)


def test_rules_in_progress_while_training_then_final():
    rules = [{"RuleConfigurationName": "VanishingGradient", "RuleEvaluatorImage": "img"}]
    r, d = run(job={"DebugRuleConfigurations": rules, "DebugHookConfig": {"S3OutputPath": "s3://b/d"}})
    during = r.describe(500)["DebugRuleEvaluationStatuses"][0]
    assert during["RuleEvaluationStatus"] == "InProgress" and "RuleEvaluationJobArn" in during
    assert d["DebugRuleEvaluationStatuses"][0]["RuleEvaluationStatus"] == "NoIssuesFound"


def test_final_metrics_are_stamped_when_last_emitted_in_whole_seconds():
    r, d = run(metrics={"loss": 0.25}, epoch="2024-05-02T09:00:00.400Z")
    assert "FinalMetricDataList" not in r.describe(1140)
    # training stopped at 1130 (Uploading began); the metric was last emitted 4 s before: whole seconds
    assert d["FinalMetricDataList"] == [{"MetricName": "loss", "Value": 0.25,
                                        "Timestamp": float(int(d["CreationTime"] + 1126))}]
    assert d["FinalMetricDataList"][0]["Timestamp"] < d["SecondaryStatusTransitions"][3]["StartTime"]


def test_legacy_statuses():
    _, d = run(lifecycle={"era": "pre-2019"})
    assert statuses(d) == ["Starting", "LaunchingMLInstances", "PreparingTrainingStack", "Downloading",
                           "DownloadingTrainingImage", "Training", "Uploading", "Completed"]
    _, old = run(lifecycle={"legacy_statuses": True})  # the setting era replaced still works
    assert statuses(old) == statuses(d)


def test_pending_before_starting():
    _, d = run(timing={"pending": 300})
    assert times(d)[:2] == [("Pending", 0), ("Starting", 300)]


def test_an_interruption_with_no_instances_changes_nothing():
    _, d = run(spot=(86400, 172800), events=[{"type": "interrupt", "at": 50}])
    assert "Interrupted" not in statuses(d)


def messages(r, status=None):
    """(t, message) of every message a status showed, in order, as a client polling every change sees them."""
    seen = []
    for t, response in r.timeline():
        last = response["SecondaryStatusTransitions"][-1]
        if (status is None or last["Status"] == status) and (not seen or seen[-1][1] != last["StatusMessage"]):
            seen.append((round(t, 3), last["StatusMessage"]))
    return seen


def test_messages_today_exactly_as_the_service_writes_them():
    r, _ = run()
    assert [(t, m) for t, m in messages(r) if t < 1200] == [
        (0, "Starting the training job"),
        (35, "Preparing the instances for training"),  # 35 % of Starting
        (100, "Downloading input data"),
        (110, "Downloading the training image"),
        (130, "Training image download completed. Training in progress."),  # with its period
        (1130, "Uploading generated training model"),
        (1140.25, "Training job completed"),
    ]


def test_messages_are_overwritten_in_place_within_a_status():
    _, d = run()
    assert [e["StatusMessage"] for e in d["SecondaryStatusTransitions"][:2]] == [
        "Preparing the instances for training", "Downloading the training image"]


def test_messages_of_2019_to_2023():
    r, d = run(lifecycle={"era": "2019-2023"})
    assert [(t, m) for t, m in messages(r) if t < 1200] == [
        (0, "Starting the training job"),
        (10, "Launching requested ML instances"),
        (70, "Preparing the instances for training"),
        (100, "Downloading input data"),
        (110, "Downloading the training image"),  # in Training
        (130, "Training image download completed. Training in progress."),
        (1130, "Uploading generated training model"),
        (1140.25, "Training job completed"),
    ]
    assert statuses(d) == ["Starting", "Downloading", "Training", "Uploading", "Completed"]


def test_each_era_has_its_own_default_starting_time():
    for era, (low, high) in (("2024+", (35, 74)), ("2019-2023", (94, 140))):
        timing = {k: v for k, v in TIMING.items() if k != "starting"}
        for seed in range(5):
            s = scenario(lifecycle={"era": era}, seed=seed)
            s = parse({**s.model_dump(mode="json", exclude={"later_jobs"}), "timing": timing})
            d = replay(s).describe()
            assert low <= d["TrainingStartTime"] - d["CreationTime"] <= high


def test_arn_is_lower_cased_and_regional():
    _, d = run(job={"TrainingJobName": "My-Job"}, region="eu-west-1", account="210987654321")
    assert d["TrainingJobArn"] == "arn:aws:sagemaker:eu-west-1:210987654321:training-job/my-job"


@pytest.mark.parametrize("name", ["spot-random-interruptions", "internal-error-retried"])
def test_same_seed_same_history(name):
    from simulator import load

    from .conftest import ROOT

    a, b = (replay(load(ROOT / "scenarios" / f"{name}.yaml")) for _ in range(2))
    assert a.job.history.entries == b.job.history.entries


def test_a_phase_that_ends_as_an_action_arrives_ends_first():
    # the upload ends at 1140: a stop then finds the job Completed
    _, d = run(events=[{"type": "stop", "at": 1140}])
    assert statuses(d)[-1] == "Completed"
    # instances come up at 100: an interruption then reclaims them (it is not lost)
    _, d = run(spot=(86400, 172800), events=[{"type": "interrupt", "at": 100}])
    assert times(d)[1:3] == [("Downloading", 100), ("Interrupted", 100)]


def test_an_on_demand_retry_resumes_from_its_checkpoint():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 1}, "CheckpointConfig": {"S3Uri": "s3://b/c/"}},
               checkpoint_settings={"interval": 300},
               events=[{"type": "fail", "at": 500, "error": "InternalServerError"}])
    # 370 s of work by 500 (checkpoint at 300); Starting 500-600, Downloading 600-630, the remaining 700 s
    # 630-1330, upload to 1340
    assert times(d)[-2:] == [("Uploading", 1330), ("Completed", 1340)]


def test_model_artifacts_appear_when_the_upload_begins():
    r, d = run()
    absent = [t for t, response in r.timeline() if "ModelArtifacts" not in response]
    assert max(absent) < 1130 <= min(t for t, response in r.timeline() if "ModelArtifacts" in response)
    assert d["ModelArtifacts"] == {"S3ModelArtifacts": "s3://bucket/out/unit-job/output/model.tar.gz"}
    # nothing was ever uploaded: a job that fails while training, or is stopped while starting
    _, failed = run(events=[{"type": "fail", "at": 500, "error": "AlgorithmError"}])
    _, stopped = run(events=[{"type": "stop", "at": 50}])
    assert "ModelArtifacts" not in failed and "ModelArtifacts" not in stopped
    # a job stopped while training uploads the model it saved on SIGTERM
    r, _ = run(events=[{"type": "stop", "at": 400}])
    assert "ModelArtifacts" not in r.describe(429) and "ModelArtifacts" in r.describe(430)


def test_the_final_status_is_written_a_moment_after_the_end():
    r, d = run(timing={"final_write": {"uniform": [0.14, 0.55]}})
    end = d["TrainingEndTime"] - d["CreationTime"]
    assert end == 1140
    assert 0.14 <= d["LastModifiedTime"] - d["TrainingEndTime"] <= 0.55
    assert d["SecondaryStatusTransitions"][-1]["StartTime"] == d["TrainingEndTime"]
    # until it is written, a client still sees the upload
    assert r.describe(1140)["SecondaryStatus"] == "Uploading"
    assert r.job.finished  # the job itself ended at 1140: a stop request now would be refused
    # seeded: another seed writes it at another fraction of a second
    other = replay(scenario(timing={"final_write": {"uniform": [0.14, 0.55]}}, seed=99)).describe()
    assert other["LastModifiedTime"] - other["TrainingEndTime"] != d["LastModifiedTime"] - d["TrainingEndTime"]


def rule_statuses(r, t):
    return [s["RuleEvaluationStatus"] for s in r.describe(t).get("DebugRuleEvaluationStatuses", [])]


RULES = {"DebugRuleConfigurations": [{"RuleConfigurationName": "VanishingGradient", "RuleEvaluatorImage": "img"}],
         "DebugHookConfig": {"S3OutputPath": "s3://b/d"}}


@pytest.mark.parametrize("event", [{"type": "fail", "at": 500, "error": "AlgorithmError"}, {"type": "stop", "at": 500}])
def test_rule_evaluations_of_a_failed_or_stopped_job_show_stopping_then_stopped(event):
    r, d = run(job=RULES, events=[event])
    end = d["TrainingEndTime"] - d["CreationTime"]
    assert rule_statuses(r, end) == ["InProgress"]
    assert rule_statuses(r, end + 0.25) == ["Stopping"]  # as the final status is written
    assert rule_statuses(r, end + 20.25) == ["Stopped"]
    assert d["LastModifiedTime"] == pytest.approx(d["TrainingEndTime"] + 20.25)


def test_rule_evaluations_of_a_completed_job_give_their_outcome():
    r, _ = run(job=RULES, rules={"VanishingGradient": {"result": "IssuesFound"}})
    assert rule_statuses(r, 1190.25) == ["IssuesFound"]


def test_max_pending_stops_a_job_that_waits_too_long():
    stopping = {"MaxRuntimeInSeconds": 86400, "MaxPendingTimeInSeconds": 3600}
    _, d = run(job={"StoppingCondition": stopping}, timing={"pending": 5000})
    assert times(d) == [("Pending", 0), ("Stopping", 3600), ("Stopped", 3605)]
    assert d["SecondaryStatusTransitions"][-1]["StatusMessage"] == (
        "Training job stopped because it exceeded MaxPendingTimeInSeconds")
    assert d["TrainingJobStatus"] == "Stopped" and "TrainingStartTime" not in d and "FailureReason" not in d
    # capacity in time: the limit is never reached
    _, d = run(job={"StoppingCondition": stopping}, timing={"pending": 3000})
    assert times(d)[:2] == [("Pending", 0), ("Starting", 3000)] and d["SecondaryStatus"] == "Completed"


def test_two_days_pending_for_capacity_fails():
    _, d = run(timing={"pending": 200000})
    assert times(d) == [("Pending", 0), ("Failed", 172800)]
    assert d["FailureReason"].startswith("InsufficientCapacityError: ")
    _, d = run(timing={"pending": 200000}, lifecycle={"pending_capacity_limit": None})
    assert d["SecondaryStatus"] == "Completed"


def test_max_wait_while_training_also_uploads_the_saved_model():
    _, d = run(spot=(3600, 3600), job={}, timing={"training": 5000})
    # MaxWait (wall time from creation) at 3600: SIGTERM save 30 s, upload 10 s
    assert times(d)[-3:] == [("Stopping", 3600), ("Uploading", 3630), ("MaxWaitTimeExceeded", 3640)]
    assert d["SecondaryStatusTransitions"][-1]["StatusMessage"] == (
        "Training job stopped because it exceeded MaxWaitTimeInSeconds")
    assert d["TrainingJobStatus"] == "Stopped" and "ModelArtifacts" in d


def test_a_failure_while_stopping_is_final_even_during_the_upload():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 2}},
               events=[{"type": "stop", "at": 500}, {"type": "fail", "at": 535, "error": "InternalServerError"}])
    assert times(d)[-3:] == [("Stopping", 500), ("Uploading", 530), ("Failed", 535)]


def test_a_stop_while_the_image_is_pulled_in_training_saves_no_model():
    # 2019-2023: Training opens with the image pull (110-130); the algorithm is not running yet
    _, d = run(lifecycle={"era": "2019-2023"}, events=[{"type": "stop", "at": 120}])
    assert times(d)[-3:] == [("Training", 110), ("Stopping", 120), ("Stopped", 125)]
    assert "ModelArtifacts" not in d


@pytest.mark.parametrize("timing, stop", [({"training": 0}, None), ({}, 130)])
def test_metrics_of_a_job_that_hardly_trained_are_stamped_when_training_began(timing, stop):
    events = [{"type": "stop", "at": stop}] if stop else []
    _, d = run(metrics={"loss": 0.5}, timing=timing, events=events)
    assert d["FinalMetricDataList"][0]["Timestamp"] == d["CreationTime"] + 130


def test_metrics_are_never_stamped_before_training():
    _, d = run(metrics={"loss": 0.5}, timing={"training": 2, "last_metric": 10})
    assert d["FinalMetricDataList"][0]["Timestamp"] == d["CreationTime"] + 130


def test_max_pending_applies_to_accelerated_instance_types_only():
    stopping = {"MaxRuntimeInSeconds": 86400, "MaxPendingTimeInSeconds": 3600}
    cpu = {**JOB["ResourceConfig"], "InstanceType": "ml.m5.xlarge"}
    _, d = run(job={"StoppingCondition": stopping, "ResourceConfig": cpu}, timing={"pending": 5000})
    assert times(d)[:2] == [("Pending", 0), ("Starting", 5000)] and d["SecondaryStatus"] == "Completed"


def test_checkpoint_writes_pause_training():
    _, d = run(job={"CheckpointConfig": {"S3Uri": "s3://b/c/"}},
               checkpoint_settings={"interval": 300, "write": 10})
    # 1000 s of work with writes at 300, 600 and 900 (none at the end): Training 130-1160
    assert times(d)[-3:] == [("Training", 130), ("Uploading", 1160), ("Completed", 1170)]
    _, without = run(checkpoint_settings={"interval": 300, "write": 10})
    assert times(without)[-2:] == [("Uploading", 1130), ("Completed", 1140)]  # no CheckpointConfig: no writes


def test_an_interruption_during_a_write_loses_that_checkpoint():
    _, d = run(spot=(86400, 172800), checkpoint_settings={"interval": 300, "write": 10},
               events=[{"type": "interrupt", "at": 745}])
    # work 300 at 430, write to 440; work 600 at 740, write from 740: interrupted at 745, back to 300.
    # Interrupted 745-805, Starting 805-1105, Downloading 1105-1135, 700 s of work + 2 writes: 1135-1855
    assert times(d)[-6:] == [("Interrupted", 745), ("Starting", 805), ("Downloading", 1105), ("Training", 1135),
                             ("Uploading", 1855), ("Completed", 1865)]


def test_random_failures_on_instance_time():
    _, d = run(failures={"AlgorithmError": 36})  # 36 per instance-hour: one every 100 s on average
    assert d["SecondaryStatus"] == "Failed" and d["FailureReason"].startswith("AlgorithmError: ")
    assert d["TrainingEndTime"] > d["TrainingStartTime"]  # never before the instances are up
    # InternalServerErrors are retried under RetryStrategy
    _, d = run(failures={"InternalServerError": 3}, job={"RetryStrategy": {"MaximumRetryAttempts": 30}}, seed=3)
    assert statuses(d).count("Starting") > 1 and d["SecondaryStatus"] == "Completed"
    assert "FailureReason" not in d


def test_random_failure_rates_scale_with_the_instances():

    two = {**JOB["ResourceConfig"], "InstanceCount": 2}
    plan = compile_plan(scenario(failures={"AlgorithmError": 1.5}, job={"ResourceConfig": two}))
    assert plan.failure_clocks[0][:2] == ("AlgorithmError", 2 * 1.5 / 3600)


def test_a_spot_price_ratio_drawn_per_job():
    _, d = run(spot=(86400, 172800), spot_settings={"price_ratio": {"uniform": [0.3, 0.4]}})
    assert 0.3 * 1040 - 1 <= d["BillableTimeInSeconds"] <= 0.4 * 1040 + 1
