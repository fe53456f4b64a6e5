"""Compiling a scenario: what the service echoes and fills in, and what the engine reads."""

from __future__ import annotations

import copy

from simulator import compile_plan, service, shapes
from simulator.engine.eras import ERAS

from .factories import JOB, scenario


def test_service_defaults_are_echoed_where_the_request_leaves_them_out():
    request = compile_plan(scenario()).request
    # [OBS] real 2025 describe output of a request that set neither
    assert request["OutputDataConfig"] == {"S3OutputPath": "s3://bucket/out", "KmsKeyId": "", "CompressionType": "GZIP"}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert (request["EnableNetworkIsolation"], request["EnableInterContainerTrafficEncryption"],
            request["EnableManagedSpotTraining"]) == (False, False, False)
    assert request["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"] is False
    channel = request["InputDataConfig"][0]
    assert (channel["CompressionType"], channel["RecordWrapperType"],
            channel["DataSource"]["S3DataSource"]["S3DataDistributionType"]) == ("None", "None", "FullyReplicated")


def test_what_the_request_sets_is_kept():
    output = {"S3OutputPath": "s3://bucket/out", "CompressionType": "NONE", "KmsKeyId": "alias/models"}
    request = compile_plan(scenario(job={"OutputDataConfig": output})).request
    assert request["OutputDataConfig"] == output


def test_every_default_fits_botocores_output_shape():
    shape = service.output_shape("DescribeTrainingJob")
    request = compile_plan(scenario()).request
    problems = shapes.validate(request, shape)
    assert [p for p in problems if p.message != "required member is missing"] == []


def test_the_era_gives_starting_its_default_duration():
    timing = {"training": 100}
    data = {"job": copy.deepcopy(JOB), "timing": timing}
    from simulator import parse

    assert compile_plan(parse(data)).starting == ERAS["2024+"].starting
    assert compile_plan(parse({**data, "lifecycle": {"era": "2019-2023"}})).starting.uniform == [94, 140]
    assert compile_plan(parse({**data, "timing": {**timing, "starting": 60}})).starting == 60.0


def test_warm_pool_key_and_keep_alive():
    plan = compile_plan(scenario())
    assert plan.keep_alive == 0 and plan.warm_pool_key is not None
    assert compile_plan(scenario(spot=(3600, 7200))).warm_pool_key is None  # [DOC] not with spot instances


def test_older_eras_echo_no_compression_type():
    request = compile_plan(scenario(lifecycle={"era": "2019-2023"})).request
    assert request["OutputDataConfig"] == {"S3OutputPath": "s3://bucket/out", "KmsKeyId": ""}
