"""Real clients judge the responses: botocore's Stubber checks each one against the service model
as boto3 would receive it, and boto3's own waiter reads the timeline the way pipelines do."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ParamValidationError, WaiterError
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from simulator.engine.snapshot import to_boto3

from .conftest import SCENARIOS, replayed


class ServiceStubber(Stubber):
    """botocore's Stubber, validating every response with botocore's own validator, less the one
    omission the real service makes: ModelArtifacts is absent until the model upload begins."""

    def _validate_response(self, shape, response):
        report = ParamValidator().validate(response, shape)
        report._errors = [e for e in report._errors
                          if not (e[0] == "missing required field" and e[2]["required_name"] == "ModelArtifacts")]
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())


def client():
    return boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


@pytest.mark.parametrize("name", [p.stem for p in SCENARIOS])
def test_waiter_reads_the_timeline_like_a_pipeline(name):
    r = replayed(name)
    sagemaker = client()
    timeline = [to_boto3(response) for _, response in r.timeline(poll=60)]
    with ServiceStubber(sagemaker) as stubber:
        for response in timeline:
            assert "ModelArtifacts" in response or response["TrainingJobStatus"] != "Completed"
            stubber.add_response("describe_training_job", response, {"TrainingJobName": r.job.plan.name})
        waiter = sagemaker.get_waiter("training_job_completed_or_stopped")
        config = {"Delay": 0, "MaxAttempts": len(timeline)}
        final = timeline[-1]["TrainingJobStatus"]
        if final == "Failed":
            with pytest.raises(WaiterError, match="Failed"):
                waiter.wait(TrainingJobName=r.job.plan.name, WaiterConfig=config)
        else:
            waiter.wait(TrainingJobName=r.job.plan.name, WaiterConfig=config)
        # the waiter stopped exactly at the first terminal response
        first_terminal = next(i for i, resp in enumerate(timeline) if resp["TrainingJobStatus"] in
                              ("Completed", "Failed", "Stopped"))
        assert len(stubber._queue) == len(timeline) - first_terminal - 1
