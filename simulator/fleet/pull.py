"""A history pulled from an endpoint that speaks SageMaker (the service itself, or ``tjsim serve``):
ListTrainingJobs page by page, then DescribeTrainingJob for each job, one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import TjsimError


class PullError(TjsimError):
    """The endpoint cannot be read (unreachable, or it refused the calls)."""


def responses(endpoint: str | None, region: str | None) -> Iterator[tuple[str, Any]]:
    """``(where, response)`` of every training job ``endpoint`` lists (None: AWS itself, in ``region``
    or the configured one), in the order it lists them. Without credentials configured, placeholders are used: a
    local endpoint does not check them, and AWS refuses them in one line.

    Raises:
        PullError: the endpoint cannot be reached, or refuses a call.
    """
    session = botocore.session.get_session()
    region = region or session.get_config_variable("region") or "us-east-1"
    where = endpoint or f"sagemaker.{region}"
    try:
        credentials = {} if session.get_credentials() is not None else {
            "aws_access_key_id": "tjsim", "aws_secret_access_key": "tjsim"}  # placeholders, not secrets
        client = session.create_client("sagemaker", region_name=region, endpoint_url=endpoint,
                                       config=Config(retries={"max_attempts": 3, "mode": "standard"}), **credentials)
    except (BotoCoreError, ValueError) as err:  # a URL or a region botocore cannot use
        raise PullError(f"--endpoint {where} --region {region}: {str(err).splitlines()[0]}") from None
    try:
        for page in client.get_paginator("list_training_jobs").paginate():
            for summary in page["TrainingJobSummaries"]:
                name = summary["TrainingJobName"]
                response = client.describe_training_job(TrainingJobName=name)
                response.pop("ResponseMetadata", None)
                yield f"{where} {name}", response
    except (BotoCoreError, ClientError) as err:
        raise PullError(f"--endpoint {where}: {str(err).splitlines()[0]}") from None
