"""The SageMaker Python SDK v3, unchanged, against tjsim: in process and through the endpoint. Its
ModelTrainer checks the role through IAM, creates the job, waits with logs; sagemaker.core's
TrainingJob reads it back. The clock moves when the SDK sleeps between polls."""

from __future__ import annotations

import logging
import warnings

import pytest

from simulator.server.identity import Roles

from .aws_helpers import mock

with warnings.catch_warnings():  # the SDK imports its own deprecated shims
    warnings.simplefilter("ignore", DeprecationWarning)
    pytest.importorskip("sagemaker.train", reason="the SageMaker SDK v3 (pip install 'sagemaker>=3')")
    from sagemaker.core.helper.iam_role_resolver import RoleValidationError
    from sagemaker.core.resources import TrainingJob
    from sagemaker.core.training.configs import Compute, StoppingCondition
    from sagemaker.train import ModelTrainer

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:latest"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def trainer(role: str = ROLE) -> ModelTrainer:
    compute = Compute(instance_type="ml.m5.xlarge", instance_count=2)
    return ModelTrainer(training_image=IMAGE, role=role, compute=compute,
                        stopping_condition=StoppingCondition(max_runtime_in_seconds=86400))


@pytest.fixture(autouse=True)
def fresh_sdk_clients():
    """sagemaker-core keeps its clients for the process (they hold the endpoint they were made
    with): each test starts without them, as a new program would."""
    from sagemaker.core.utils.utils import SingletonMeta, _ClientCacheMeta

    SingletonMeta._instances.clear()
    _ClientCacheMeta._instances.clear()
    yield
    SingletonMeta._instances.clear()
    _ClientCacheMeta._instances.clear()


@pytest.fixture
def credentials(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "x")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("SAGEMAKER_VALIDATE_ROLE", raising=False)  # the role is checked, as by default


def test_model_trainer_trains_with_logs_in_process(credentials, caplog):
    with mock(sleep_advances=120), caplog.at_level(logging.INFO):
        model_trainer = trainer()
        model_trainer.train(wait=True, logs=True)
        job = model_trainer._latest_training_job
        assert job.training_job_status == "Completed"
        statuses = [t.status for t in job.secondary_status_transitions]
        assert statuses[:2] == ["Starting", "Downloading"] and statuses[-1] == "Completed"
        printed = caplog.text
        assert "Reporting training SUCCESS" in printed and '"current_host": "algo-2"' in printed
        again = TrainingJob.get(job.training_job_name)
        again.wait(poll=5)
        assert again.billable_time_in_seconds == job.billable_time_in_seconds > 0
        assert again.refresh().training_job_status == "Completed"


def test_a_denied_role_is_refused_before_anything_is_created(credentials):
    with mock(roles=Roles(denied=frozenset({"Weak"}))) as aws:
        with pytest.raises(RoleValidationError, match="Missing permissions"):
            trainer("arn:aws:iam::123456789012:role/Weak")
        assert aws.backend.sim.jobs == {}


def test_model_trainer_through_the_endpoint(sagemaker_sim, monkeypatch, tmp_path, caplog):
    for key, value in sagemaker_sim.environment(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SAGEMAKER_VALIDATE_ROLE", raising=False)
    with sagemaker_sim.sleeps_advance(120), caplog.at_level(logging.INFO):
        model_trainer = trainer()
        model_trainer.train(wait=True, logs=True)
    assert model_trainer._latest_training_job.training_job_status == "Completed"
    assert "Reporting training SUCCESS" in caplog.text


def test_training_job_refresh_follows_the_clock(credentials):
    with mock() as aws:
        model_trainer = trainer()
        model_trainer.train(wait=False, logs=False)
        job = TrainingJob.get(model_trainer._latest_training_job.training_job_name)
        seen = [job.secondary_status]
        while job.training_job_status == "InProgress":
            aws.next(job.training_job_name)
            seen.append(job.refresh().secondary_status)
        assert seen[0] == "Starting" and seen[-1] == "Completed" and "Training" in seen
