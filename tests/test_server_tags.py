"""Tags of training jobs: the request's, then AddTags and DeleteTags, kept across a restart."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from simulator.server.backend import Backend
from simulator.server.journal import Journal
from simulator.server.tags import add_tags, list_tags

from .aws_helpers import client, job, mock

ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/{}"


def test_the_requests_tags_then_add_and_delete():
    with mock():
        sm = client("sagemaker")
        sm.create_training_job(**job("t", Tags=[{"Key": "team", "Value": "a"}]))
        sm.add_tags(ResourceArn=ARN.format("t"), Tags=[{"Key": "team", "Value": "b"}, {"Key": "cost", "Value": "1"}])
        assert sm.list_tags(ResourceArn=ARN.format("t"))["Tags"] == [{"Key": "team", "Value": "b"},
                                                                    {"Key": "cost", "Value": "1"}]
        sm.delete_tags(ResourceArn=ARN.format("t"), TagKeys=["team", "absent"])
        assert sm.list_tags(ResourceArn=ARN.format("t"))["Tags"] == [{"Key": "cost", "Value": "1"}]


def test_limits_and_unknown_jobs_are_refused_in_the_services_words():
    with mock():
        sm = client("sagemaker")
        sm.create_training_job(**job("lim"))
        cases = [
            (lambda: sm.add_tags(ResourceArn=ARN.format("lim"),
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]), "ValidationException"),
            (lambda: [sm.add_tags(ResourceArn=ARN.format("lim"), Tags=[{"Key": f"k{i}{j}", "Value": "v"}
                                                                      for j in range(10)]) for i in range(6)],
             "ValidationException"),
            (lambda: sm.add_tags(ResourceArn=ARN.format("lim"), Tags=[{"Key": "bad#key", "Value": "v"}]),
             "ValidationException"),
            (lambda: sm.list_tags(ResourceArn=ARN.format("nope")), "ValidationException"),
        ]
        for call, code in cases:
            with pytest.raises(ClientError) as caught:
                call()
            assert caught.value.response["Error"]["Code"] == code
        assert len(sm.list_tags(ResourceArn=ARN.format("lim"))["Tags"]) == 50  # the refused add changed nothing


def test_tags_survive_a_restart(tmp_path):
    path = tmp_path / "s.db"
    b = Backend(journal=Journal(path), origin=1_735_689_600.0)
    from simulator.server.sagemaker import create_training_job

    create_training_job(b, job("keep", Tags=[{"Key": "a", "Value": "1"}]))
    add_tags(b, {"ResourceArn": ARN.format("keep"), "Tags": [{"Key": "b", "Value": "2"}]})
    b.close()
    again = Backend(journal=Journal(path))
    assert list_tags(again, {"ResourceArn": ARN.format("keep")})["Tags"] == [{"Key": "a", "Value": "1"},
                                                                            {"Key": "b", "Value": "2"}]
    again.close()
