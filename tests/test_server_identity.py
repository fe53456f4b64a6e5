"""Identity as an administrator's account answers it, and roles made missing or denied."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from simulator.server.identity import Roles

from .aws_helpers import client, mock


def test_the_caller_and_any_role_of_the_account_trusting_sagemaker():
    with mock(account="210987654321"):
        assert client("sts").get_caller_identity()["Account"] == "210987654321"
        role = client("iam").get_role(RoleName="MyRole")["Role"]
        assert role["Arn"] == "arn:aws:iam::210987654321:role/MyRole"
        document = role["AssumeRolePolicyDocument"]
        trust = json.loads(unquote(document)) if isinstance(document, str) else document
        assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
        results = client("iam").simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::210987654321:role/MyRole",
            ActionNames=["ecr:GetAuthorizationToken", "s3:PutObject"])["EvaluationResults"]
        assert [r["EvalDecision"] for r in results] == ["allowed", "allowed"]


def test_a_missing_or_denied_role_answers_as_iam_does():
    with mock(roles=Roles(missing=frozenset({"Gone"}), denied=frozenset({"Weak"}))):
        iam = client("iam")
        with pytest.raises(ClientError) as caught:
            iam.get_role(RoleName="Gone")
        assert caught.value.response["Error"]["Code"] == "NoSuchEntity"
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        denied = iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::123456789012:role/Weak",
                                               ActionNames=["s3:PutObject"])["EvaluationResults"]
        assert denied[0]["EvalDecision"] == "implicitDeny"
        with pytest.raises(ClientError) as caught:
            iam.get_role(RoleName="x" * 65)
        assert caught.value.response["Error"]["Code"] == "ValidationError"
