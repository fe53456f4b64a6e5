"""botocore's service models: SageMaker's, the one source of shapes, enums and constraints, and those of
the services the endpoint speaks besides (CloudWatch Logs and metrics, IAM, STS)."""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

SERVICE = "sagemaker"


@cache
def model(name: str = SERVICE) -> ServiceModel:
    """The model of service ``name`` (botocore's name: ``"logs"``, ``"cloudwatch"``...) that the
    installed botocore ships; SageMaker's by default."""
    return botocore.session.get_session().get_service_model(name)


def operation(name: str) -> OperationModel:
    """The operation model for ``name`` (e.g. ``"DescribeTrainingJob"``)."""
    return model().operation_model(name)


def shape(name: str) -> Shape:
    """A named shape of the service model (e.g. ``"SecondaryStatus"``)."""
    return model().shape_for(name)


def enum(name: str) -> list[str]:
    """The allowed values of an enum string shape, in the model's order."""
    return list(shape(name).enum)


def output_shape(operation_name: str) -> Shape:
    return operation(operation_name).output_shape


def input_shape(operation_name: str) -> Shape:
    return operation(operation_name).input_shape
