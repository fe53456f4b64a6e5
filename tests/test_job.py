"""The modelled semantics, each on a job with constant timings so every number can be worked out
by hand (see docs/semantics.md for the rules and their sources)."""

from __future__ import annotations

import copy
import random

import pytest
import simpy

from simulator import compile_plan, parse, replay
from simulator.job import Job

JOB = {
    "TrainingJobName": "unit-job",
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
                               "TrainingInputMode": "File",
                               "MetricDefinitions": [{"Name": "loss", "Regex": "loss=(.*)"}]},
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}
TIMING = {"starting": 100, "downloading": 10, "image_pull": 20, "training": 1000, "uploading": 10,
          "interrupted": 60, "capacity_wait": 200, "sigterm_save": 30, "stopping": 5, "restarting": 15,
          "updating": 25, "rule_evaluation": 50}


def scenario(job=None, spot=None, checkpoint=True, spot_settings=None, **sections):
    """A scenario from JOB and TIMING; ``spot=(MaxRuntime, MaxWait)`` makes it a spot job."""
    data = {"job": copy.deepcopy(JOB), "timing": {**TIMING, **sections.pop("timing", {})}, **sections}
    if spot_settings:
        data["spot"] = spot_settings
    data["job"].update(job or {})
    if spot is not None:
        data["job"]["EnableManagedSpotTraining"] = True
        data["job"]["StoppingCondition"] = {"MaxRuntimeInSeconds": spot[0], "MaxWaitTimeInSeconds": spot[1]}
        if checkpoint:
            data["job"]["CheckpointConfig"] = {"S3Uri": "s3://bucket/ckpt/"}
    return parse(data)


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
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 110), ("Uploading", 1130),
                        ("Completed", 1140)]
    assert d["TrainingStartTime"] - d["CreationTime"] == 100  # = the end of Starting
    assert d["TrainingTimeInSeconds"] == d["BillableTimeInSeconds"] == 1040
    assert d["ModelArtifacts"]["S3ModelArtifacts"] == "s3://bucket/out/unit-job/output/model.tar.gz"


def spot_run(checkpoint: bool, **extra):
    """A spot job interrupted once at t=500, checkpointing every 300 s of work."""
    data = dict(spot=(86400, 172800), checkpoint=checkpoint, events=[{"type": "interrupt", "at": 500}],
                spot_settings={"checkpoint_interval": 300})
    data.update(extra)
    return run(**data)


def test_checkpointed_spot_job_loses_only_work_since_the_checkpoint():
    r, d = spot_run(checkpoint=True)
    # work 130→500 (370 s, checkpoint at 300); Interrupted 500-560; capacity 560-760; Starting 760-860;
    # Downloading 860-870; image 870-890; the remaining 700 s 890-1590; upload to 1600
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 110), ("Interrupted", 500),
                        ("Starting", 560), ("Downloading", 860), ("Training", 870), ("Uploading", 1590),
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
    assert times(d)[-2:] == [("Stopping", 1460), ("MaxRuntimeExceeded", 1500)]  # 30 s save + 10 s upload
    assert d["TrainingJobStatus"] == "Stopped"
    assert d["TrainingEndTime"] - d["CreationTime"] == 1500


def test_sigterm_window_is_capped_at_120_seconds():
    _, d = run(job={"StoppingCondition": {"MaxRuntimeInSeconds": 500}}, timing={"sigterm_save": 600})
    assert times(d)[-2:] == [("Stopping", 600), ("MaxRuntimeExceeded", 730)]  # 120 s + 10 s upload


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


def test_stop_while_training_saves_and_uploads():
    _, d = run(events=[{"type": "stop", "at": 400}])
    assert times(d)[-2:] == [("Stopping", 400), ("Stopped", 440)]
    assert d["TrainingTimeInSeconds"] == 340


def test_stop_without_upload_setting():
    _, d = run(events=[{"type": "stop", "at": 400}], lifecycle={"upload_on_stop": False})
    assert times(d)[-2:] == [("Stopping", 400), ("Stopped", 405)]


def test_failure_reason_and_failure_during_stopping():
    _, d = run(events=[{"type": "stop", "at": 400}, {"type": "fail", "at": 410, "error": "ClientError",
                                                     "message": "Artifact upload failed: Access Denied"}])
    assert statuses(d)[-2:] == ["Stopping", "Failed"]
    assert d["FailureReason"] == "ClientError: Artifact upload failed: Access Denied"


def test_internal_error_is_retried_with_restarting_until_attempts_are_spent():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 1}},
               events=[{"type": "fail", "at": 300, "error": "InternalServerError"},
                       {"type": "fail", "at": 800, "error": "InternalServerError"}])
    assert times(d) == [("Starting", 0), ("Downloading", 100), ("Training", 110), ("Restarting", 300),
                        ("Starting", 315), ("Downloading", 415), ("Training", 425), ("Failed", 800)]
    assert d["FailureReason"].startswith("InternalServerError: ")


def test_retry_without_restarting_status():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 3}}, lifecycle={"restarting_on_retry": False},
               events=[{"type": "fail", "at": 300, "error": "InternalServerError"}])
    assert statuses(d)[:5] == ["Starting", "Downloading", "Training", "Starting", "Downloading"]
    assert d["SecondaryStatus"] == "Completed"


def test_other_errors_are_not_retried():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 3}},
               events=[{"type": "fail", "at": 300, "error": "AlgorithmError"}])
    assert statuses(d)[-1] == "Failed" and "Restarting" not in statuses(d)


def test_pipe_mode_skips_downloading():
    job = copy.deepcopy(JOB)
    job["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe"
    _, d = run(job={"AlgorithmSpecification": job["AlgorithmSpecification"]})
    assert statuses(d) == ["Starting", "Training", "Uploading", "Completed"]
    assert d["TrainingStartTime"] == d["SecondaryStatusTransitions"][1]["StartTime"]


def test_channel_input_mode_overrides_the_algorithms():
    channels = copy.deepcopy(JOB["InputDataConfig"])
    channels[0]["InputMode"] = "FastFile"
    _, d = run(job={"InputDataConfig": channels})
    assert "Downloading" not in statuses(d)


def test_update_detours_through_updating_and_is_echoed():
    changes = {"ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100},
               "ProfilerRuleConfigurations": [{"RuleConfigurationName": "LowGPU", "RuleEvaluatorImage": "img"}]}
    _, d = run(events=[{"type": "update", "at": 400, "changes": changes}],
               rules={"LowGPU": {"result": "IssuesFound"}})
    assert times(d)[2:5] == [("Training", 110), ("Updating", 400), ("Training", 425)]
    assert d["ProfilerConfig"] == {"ProfilingIntervalInMilliseconds": 100}
    assert d["ProfilingStatus"] == "Enabled"
    assert d["ProfilerRuleEvaluationStatuses"][0]["RuleEvaluationStatus"] == "IssuesFound"
    # training went on while updating: the job ends as if never updated
    assert times(d)[-1] == ("Completed", 1140)
    # the rule finished after the job: LastModifiedTime moved past TrainingEndTime
    assert d["LastModifiedTime"] - d["TrainingEndTime"] == 50


def test_rules_in_progress_while_training_then_final():
    rules = [{"RuleConfigurationName": "VanishingGradient", "RuleEvaluatorImage": "img"}]
    r, d = run(job={"DebugRuleConfigurations": rules, "DebugHookConfig": {"S3OutputPath": "s3://b/d"}})
    during = r.describe(500)["DebugRuleEvaluationStatuses"][0]
    assert during["RuleEvaluationStatus"] == "InProgress" and "RuleEvaluationJobArn" in during
    assert d["DebugRuleEvaluationStatuses"][0]["RuleEvaluationStatus"] == "NoIssuesFound"


def test_final_metrics_appear_at_the_end():
    r, d = run(metrics={"loss": 0.25})
    assert "FinalMetricDataList" not in r.describe(1000)
    assert d["FinalMetricDataList"] == [{"MetricName": "loss", "Value": 0.25, "Timestamp": d["TrainingEndTime"]}]


def test_legacy_statuses():
    _, d = run(lifecycle={"legacy_statuses": True})
    assert statuses(d) == ["Starting", "LaunchingMLInstances", "PreparingTrainingStack", "Downloading",
                           "DownloadingTrainingImage", "Training", "Uploading", "Completed"]


def test_pending_before_starting():
    _, d = run(timing={"pending": 300})
    assert times(d)[:2] == [("Pending", 0), ("Starting", 300)]


def test_an_interruption_with_no_instances_changes_nothing():
    _, d = run(spot=(86400, 172800), events=[{"type": "interrupt", "at": 50}])
    assert "Interrupted" not in statuses(d)


def test_messages_are_overwritten_in_place_within_a_status():
    r, _ = run()
    assert [r.describe(t)["SecondaryStatusTransitions"][0]["StatusMessage"] for t in (0, 10, 70)] == [
        "Starting the training job", "Launching requested ML instances", "Preparing the instances for training"]


def test_arn_is_lower_cased_and_regional():
    _, d = run(job={"TrainingJobName": "My-Job"}, region="eu-west-1", account="210987654321")
    assert d["TrainingJobArn"] == "arn:aws:sagemaker:eu-west-1:210987654321:training-job/my-job"


def test_unrecorded_runs_give_the_same_outcome():
    scen = scenario(spot=(86400, 172800), spot_settings={"interruption_rate_per_hour": 2.0},
                    timing={"training": 5000, "starting": {"uniform": [90, 150]},
                            "capacity_wait": {"exponential": 300}})
    plan = compile_plan(scen)
    interrupted = 0
    for seed in range(20):
        jobs = []
        for record in (True, False):
            env = simpy.Environment()
            jobs.append(Job(env, plan, rng=random.Random(seed), record=record))
            env.run()
        a, b = jobs
        assert (a.state, a.training_seconds, a.billable_seconds, a.interruptions) == (
            b.state, b.training_seconds, b.billable_seconds, b.interruptions)
        assert b.log == []
        interrupted += a.interruptions
    assert interrupted > 0


@pytest.mark.parametrize("name", ["spot-random-interruptions", "internal-error-retried"])
def test_same_seed_same_history(name):
    from simulator import load

    from .conftest import ROOT

    a, b = (replay(load(ROOT / "scenarios" / f"{name}.yaml")) for _ in range(2))
    assert a.job.log == b.job.log


def test_a_phase_that_ends_as_an_action_arrives_ends_first():
    # the upload ends at 1140: a stop then finds the job Completed
    _, d = run(events=[{"type": "stop", "at": 1140}])
    assert statuses(d)[-1] == "Completed"
    # instances come up at 100: an interruption then reclaims them (it is not lost)
    _, d = run(spot=(86400, 172800), events=[{"type": "interrupt", "at": 100}])
    assert times(d)[1:3] == [("Downloading", 100), ("Interrupted", 100)]


def test_an_on_demand_retry_resumes_from_its_checkpoint():
    _, d = run(job={"RetryStrategy": {"MaximumRetryAttempts": 1}, "CheckpointConfig": {"S3Uri": "s3://b/c/"}},
               spot_settings={"checkpoint_interval": 300},
               events=[{"type": "fail", "at": 500, "error": "InternalServerError"}])
    # 370 s of work by 500 (checkpoint at 300); Restarting 500-515, Starting 515-615, Downloading 615-625,
    # image 625-645, the remaining 700 s 645-1345, upload to 1355
    assert times(d)[-2:] == [("Uploading", 1345), ("Completed", 1355)]
