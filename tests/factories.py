"""What many test modules build their cases from: the constant-timing job (JOB, TIMING), scenario()
to make a scenario of it, and the hypothesis strategy of random scenarios. Test modules import these
from here, never from one another."""

from __future__ import annotations

import copy

from hypothesis import strategies as st

from simulator import parse
from simulator.engine.eras import ERAS

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
          "updating": 25, "rule_evaluation": 50, "rule_stopping": 20, "final_write": 0.25, "last_metric": 4,
          "warm_starting": 10}


def scenario(job=None, spot=None, checkpoint=True, spot_settings=None, checkpoint_settings=None, **sections):
    """A scenario from JOB and TIMING; ``spot=(MaxRuntime, MaxWait)`` makes it a spot job (with
    ``CheckpointConfig`` unless ``checkpoint`` is false)."""
    data = {"job": copy.deepcopy(JOB), "timing": {**TIMING, **sections.pop("timing", {})}, **sections}
    if spot_settings:
        data["spot"] = spot_settings
    if checkpoint_settings:
        data["checkpoint"] = checkpoint_settings
    data["job"].update(job or {})
    if spot is not None:
        data["job"]["EnableManagedSpotTraining"] = True
        data["job"]["StoppingCondition"] = {"MaxRuntimeInSeconds": spot[0], "MaxWaitTimeInSeconds": spot[1]}
        if checkpoint:
            data["job"]["CheckpointConfig"] = {"S3Uri": "s3://bucket/ckpt/"}
    return parse(data)


seconds = st.integers(min_value=0, max_value=400)

events = st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.just("stop"), "at": st.integers(0, 6000)}),
    st.fixed_dictionaries({"type": st.just("interrupt"), "at": st.integers(0, 6000)}),
    st.fixed_dictionaries({"type": st.just("fail"), "at": st.integers(0, 6000),
                           "error": st.sampled_from(["AlgorithmError", "ClientError", "CapacityError",
                                                     "InternalServerError", "InternalServerError"])}),
    st.fixed_dictionaries({"type": st.just("update"), "at": st.integers(0, 6000),
                           "changes": st.just({"ResourceConfig": {"KeepAlivePeriodInSeconds": 120}})}),
), max_size=6)


@st.composite
def scenarios(draw):
    """A random scenario: spot or on-demand, retries, input mode, warm pool, events, timings, era,
    checkpoints, failures and perhaps a later job on the same clock."""
    spot = draw(st.booleans())
    runtime = draw(st.integers(300, 8000))
    job = {"RetryStrategy": {"MaximumRetryAttempts": draw(st.integers(1, 3))}} if draw(st.booleans()) else {}
    mode = draw(st.sampled_from(["File", "Pipe", "FastFile"]))
    job["AlgorithmSpecification"] = {"TrainingImage": "img:1", "TrainingInputMode": mode}
    if draw(st.booleans()):
        job["ResourceConfig"] = {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30,
                                 "KeepAlivePeriodInSeconds": draw(st.integers(0, 2000))}
    evs = draw(events)
    if not spot:
        evs = [e for e in evs if e["type"] != "interrupt"]
        job["StoppingCondition"] = {"MaxRuntimeInSeconds": runtime}
        if draw(st.booleans()):
            job["StoppingCondition"]["MaxPendingTimeInSeconds"] = draw(st.integers(1800, 4000))
    timing = {name: draw(seconds) for name in ("starting", "downloading", "image_pull", "uploading", "interrupted",
                                               "capacity_wait", "sigterm_save", "stopping", "restarting", "updating",
                                               "warm_starting")}
    timing["training"] = draw(st.integers(0, 5000))
    timing["pending"] = draw(st.one_of(st.none(), seconds, st.integers(1000, 6000)))
    lifecycle_settings = {"era": draw(st.sampled_from(list(ERAS))), "restarting_on_retry": draw(st.booleans()),
                          "stop_upload": draw(st.sampled_from(["uploading", "stopping", "none"])),
                          "stop_upload_primary": draw(st.sampled_from(["Stopping", "InProgress"]))}
    checkpoint_settings = {"interval": draw(st.integers(1, 900)), "write": draw(st.sampled_from([0, 0, 5, 60]))}
    spot_settings = {}
    if spot:
        spot_settings |= {"interruptions_per_instance_hour": draw(st.sampled_from([0, 0.5, 3])),
                          "price_ratio": draw(st.sampled_from([0.3, {"uniform": [0.2, 0.5]}])),
                          "capacity": draw(st.sampled_from(["available", "available", "never"])),
                          "first_capacity_wait": draw(seconds)}
    later = []
    if draw(st.booleans()):  # a second job on the same clock: the same request, so it may take a warm pool
        later.append({"at": draw(st.integers(0, 9000)), "job": {"TrainingJobName": "later-job"},
                      "events": [e for e in draw(events) if spot or e["type"] != "interrupt"]})
    failures = draw(st.sampled_from([{}, {}, {"InternalServerError": 2.0},
                                     {"AlgorithmError": 0.5, "ClientError": 0.2}]))
    return scenario(job=job, spot=(runtime, runtime + draw(st.integers(0, 8000))) if spot else None, failures=failures,
                    checkpoint=draw(st.booleans()), spot_settings=spot_settings,
                    checkpoint_settings=checkpoint_settings, events=evs, timing=timing,
                    lifecycle=lifecycle_settings, seed=draw(st.integers(0, 2**32)), later_jobs=later)
