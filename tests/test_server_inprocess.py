"""tjsim in process: botocore's hooks, the clock as an object, moto for the rest, in either order
with moto's own mock_aws, and a completed job's model in moto's S3."""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from simulator.server.inprocess import mock_sagemaker

from .aws_helpers import client, job, mock, run_to_end


@pytest.mark.parametrize("outer", ["moto", "tjsim"])
def test_it_composes_with_mock_aws_whichever_is_entered_first(outer):
    first, second = (mock_aws(), mock()) if outer == "moto" else (mock(), mock_aws())
    with first, second:
        s3, sm = client("s3"), client("sagemaker")
        s3.create_bucket(Bucket="bucket")
        sm.create_training_job(**job("c"))
        assert sm.describe_training_job(TrainingJobName="c")["SecondaryStatus"] == "Starting"  # tjsim's, not moto's
        aws = second if outer == "moto" else first
        d = run_to_end(aws, sm, "c")
        assert d["TrainingJobStatus"] == "Completed"
        key = d["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("s3://bucket/")
        body = s3.get_object(Bucket="bucket", Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(body))) as tar:
            card = json.loads(tar.extractfile("model.json").read())
        assert card["TrainingJobName"] == "c" and set(card["FinalMetrics"]) == {"train:loss", "validation:accuracy"}
        assert client("sagemaker").list_models()["Models"] == []  # another SageMaker call: moto's


def test_the_model_is_the_same_bytes_for_the_same_job_and_absent_without_its_bucket():
    bodies = []
    for _ in range(2):
        with mock() as aws:
            s3, sm = client("s3"), client("sagemaker")
            s3.create_bucket(Bucket="bucket")
            sm.create_training_job(**job("same"))
            d = run_to_end(aws, sm, "same")
            bodies.append(s3.get_object(Bucket="bucket", Key=d["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("s3://bucket/"))["Body"].read())
    assert bodies[0] == bodies[1]
    with mock() as aws:
        sm = client("sagemaker")
        sm.create_training_job(**job("nobucket"))
        run_to_end(aws, sm, "nobucket")
        with pytest.raises(ClientError):
            client("s3").head_bucket(Bucket="bucket")


def test_as_a_decorator_each_call_has_a_fresh_simulation():
    @mock_sagemaker()
    def count() -> int:
        sm = client("sagemaker")
        sm.create_training_job(**job("d"))
        return len(sm.list_training_jobs()["TrainingJobSummaries"])

    assert count() == 1 and count() == 1


def test_sleeps_move_the_clock_instead_of_waiting():
    import time

    with mock(sleep_advances=60) as aws:
        start, wall, before = aws.now, time.perf_counter(), time.time()
        time.sleep(100)
        assert aws.now == start + 6000 and time.perf_counter() - wall < 1
        assert 100 <= time.time() - before < 101  # code that times its polls sees them pass
    assert time.sleep.__module__ == time.time.__module__ == "time"
    assert abs(time.time() - before) < 1


def test_sleeps_of_every_thread_advance_in_process():
    import threading
    import time

    with mock(sleep_advances=60) as aws:  # SDK calls in a pool of threads poll too
        start, wall = aws.now, time.perf_counter()
        other = threading.Thread(target=time.sleep, args=(100,))
        other.start()
        other.join()
        assert aws.now == start + 6000 and time.perf_counter() - wall < 1


def test_sleeps_advance_a_manual_clock_only():
    with pytest.raises(ValueError, match="manual clock"):
        mock(sleep_advances=60, speed=100)


def test_inject_forces_a_path_now():
    with mock() as aws:
        sm = client("sagemaker")
        sm.create_training_job(**job("inj"))
        aws.inject("inj", "fail", error="ClientError", message="boom")
        d = run_to_end(aws, sm, "inj")
        assert d["TrainingJobStatus"] == "Failed" and "boom" in d["FailureReason"]


def test_the_pytest_fixture_is_the_in_process_mock(tjsim_aws):
    sm = client("sagemaker")
    sm.create_training_job(**job("fx", scenario="stopped-while-training"))
    d = run_to_end(tjsim_aws, sm, "fx")
    assert d["TrainingJobStatus"] == "Stopped"
