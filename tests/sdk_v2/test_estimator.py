"""The SageMaker Python SDK v2, unchanged, against tjsim — in process and through the endpoint, the
clock moving when the SDK sleeps between polls: ``Estimator.fit()`` with its defaults (wait, all
logs), ``attach``, ``logs()``, ``TrainingJobAnalytics``, a framework estimator that uploads its
``source_dir``, and the model read back from S3."""

from __future__ import annotations

import io
import tarfile
import warnings
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from ..aws_helpers import mock

with warnings.catch_warnings():  # the SDK's imports warn about their own dependencies
    warnings.simplefilter("ignore")
    from sagemaker.analytics import TrainingJobAnalytics
    from sagemaker.estimator import Estimator
    from sagemaker.exceptions import UnexpectedStatusException
    from sagemaker.pytorch import PyTorch

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
METRICS = [{"Name": "train:loss", "Regex": "loss=([0-9.]+)"}]


@pytest.fixture(params=["in-process", "endpoint"])
def aws(request, monkeypatch, tmp_path):
    """Where the SDK's calls go: tjsim in this process, or a tjsim endpoint named by the
    environment; either way each ``time.sleep(s)`` of the SDK moves the clock 60·s."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # as in a new program
    if request.param == "in-process":
        with mock(sleep_advances=60) as simulated:
            yield simulated
        return
    sim = request.getfixturevalue("sagemaker_sim")
    for key, value in sim.environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    with sim.sleeps_advance(60):
        yield sim


@contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def estimator(**options: Any) -> Estimator:
    settings = {"image_uri": IMAGE, "role": ROLE, "instance_count": 2, "instance_type": "ml.m5.xlarge",
                "metric_definitions": METRICS, **options}
    with quiet():
        return Estimator(**settings)


def model_files(model_data: str) -> list[str]:
    bucket, key = model_data.removeprefix("s3://").split("/", 1)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        return archive.getnames()


def test_fit_with_its_defaults_waits_and_prints_the_logs(aws, capsys):
    est = estimator()
    with quiet():
        est.fit({"train": "s3://bucket/prefix"})
    printed = capsys.readouterr().out
    name = est.latest_training_job.name
    description = est.latest_training_job.describe()
    assert description["TrainingJobStatus"] == "Completed"
    for line in ("Starting - Preparing the instances for training", "Downloading - Downloading the training image",
                 "Training - Training image download completed. Training in progress.",
                 "Uploading - Uploading generated training model", "Completed - Training job completed",
                 '"current_host": "algo-1"', '"current_host": "algo-2"', "Reporting training SUCCESS",
                 f"Training seconds: {description['TrainingTimeInSeconds'] * 2}",
                 f"Billable seconds: {description['BillableTimeInSeconds'] * 2}"):
        assert line in printed, line
    assert est.model_data == description["ModelArtifacts"]["S3ModelArtifacts"]
    assert est.model_data.startswith(f"s3://sagemaker-us-east-1-123456789012/{name}/")
    assert model_files(est.model_data)


def test_attach_reads_the_job_back_and_prints_its_logs(aws, capsys):
    est = estimator(tags=[{"Key": "team", "Value": "vision"}])
    with quiet():
        est.fit({"train": "s3://bucket/prefix"}, logs="None")
        attached = Estimator.attach(est.latest_training_job.name)
    assert (attached.instance_count, attached.instance_type, attached.image_uri) == (2, "ml.m5.xlarge", IMAGE)
    assert attached.model_data == est.model_data  # (its MetricDefinitions it misspells, and drops)
    assert attached.tags == [{"Key": "team", "Value": "vision"}]  # read through ListTags
    capsys.readouterr()
    with quiet():
        attached.logs()
    printed = capsys.readouterr().out
    assert printed.count("Reporting training SUCCESS") == 2 and "Completed - Training job completed" in printed


def test_training_job_analytics_ends_at_the_final_metric(aws):
    est = estimator()
    with quiet():
        est.fit({"train": "s3://bucket/prefix"}, logs="None")
        frame = TrainingJobAnalytics(est.latest_training_job.name).dataframe()
    final = {m["MetricName"]: m["Value"] for m in est.latest_training_job.describe()["FinalMetricDataList"]}
    assert set(frame["metric_name"]) == {"train:loss"} and len(frame) > 1
    assert frame.sort_values("timestamp")["value"].iloc[-1] == pytest.approx(final["train:loss"])


def test_a_framework_estimator_uploads_its_source_dir(aws, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text("print('loss=0.5')\n")
    (source / "requirements.txt").write_text("numpy\n")
    with quiet():
        est = PyTorch(entry_point="train.py", source_dir=str(source), role=ROLE, instance_count=1,
                      instance_type="ml.g5.xlarge", framework_version="2.1", py_version="py310",
                      hyperparameters={"epochs": 3})
        est.fit({"train": "s3://bucket/prefix"}, logs="None")
    hyperparameters = est.latest_training_job.describe()["HyperParameters"]
    uploaded = hyperparameters["sagemaker_submit_directory"].strip('"')
    bucket, key = uploaded.removeprefix("s3://").split("/", 1)
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert sorted(archive.getnames()) == ["requirements.txt", "train.py"]
    assert hyperparameters["sagemaker_program"] == '"train.py"' and hyperparameters["epochs"] == "3"
    assert model_files(est.model_data)


def test_a_spot_job_prints_its_interruptions_and_savings(aws, capsys):
    est = estimator(use_spot_instances=True, max_run=86400, max_wait=172800,
                    checkpoint_s3_uri="s3://bucket/checkpoints",
                    tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}])
    with quiet():
        est.fit({"train": "s3://bucket/prefix"})
    printed = capsys.readouterr().out
    assert printed.count("Interrupted - ") == 2 and "Managed Spot Training savings:" in printed
    assert est.latest_training_job.describe()["TrainingJobStatus"] == "Completed"


def test_a_failed_job_raises_the_sdk_error_with_its_reason(aws):
    est = estimator(tags=[{"Key": "tjsim:scenario", "Value": "algorithm-error"}])
    with quiet(), pytest.raises(UnexpectedStatusException, match="AlgorithmError"):
        est.fit({"train": "s3://bucket/prefix"})
