"""simulator/shapes.py: validation against botocore's shapes (in our words and the service's), the
Problem class, did-you-mean hints, parsing the wire form and JSON Schema generation."""

from __future__ import annotations

import copy
import dataclasses
import inspect
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import service, shapes
from simulator.shapes import Problem, did_you_mean

from .conftest import shipped_job

JOB = shipped_job("on-demand-completed")  #: a realistic CreateTrainingJob request
CREATE = service.input_shape("CreateTrainingJob")
MODEL = service.model()
ALL_SHAPES = [MODEL.shape_for(name) for name in MODEL.shape_names]


def job_with(change) -> dict:
    job = copy.deepcopy(JOB)
    change(job)
    return job


def problems(job: dict) -> list[tuple[str, str | None]]:
    return [(str(p), p.service_text()) for p in shapes.validate(job, CREATE, prefix="job")]


def enum_text(name: str) -> str:
    return ", ".join(service.enum(name))


# --- Problem --------------------------------------------------------------------------------------


def test_a_problem_reads_as_its_path_and_message():
    assert str(Problem("job.RoleArn", "required member is missing")) == "job.RoleArn: required member is missing"
    assert str(Problem("", "a value of the wrong type")) == "a value of the wrong type"


def test_the_services_words_take_no_part_in_equality_and_a_problem_is_frozen():
    ours = Problem("job.TrainingJobName", "bad")
    theirs = Problem("job.TrainingJobName", "bad", at="trainingJobName", value="a_b", constraint="Member must x")
    assert ours == theirs and hash(ours) == hash(theirs)
    assert ours != Problem("job.TrainingJobName", "worse")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours.path = "job.RoleArn"  # type: ignore[misc]


def test_a_problem_of_a_part_is_named_within_the_whole():
    problem = Problem("job.RoleArn", "bad", at="roleArn")
    assert problem.within("later_jobs[0]") == Problem("later_jobs[0].job.RoleArn", "bad")
    assert problem.within("later_jobs[0]").at == "roleArn"  # the service's words stay the service's
    assert str(problem.within("whatif.variants[1] (b)", ": ")) == "whatif.variants[1] (b): job.RoleArn: bad"
    assert Problem("", "no price").within("whatif.grid (x=1)", ": ") == Problem("whatif.grid (x=1)", "no price")


def test_a_problem_of_what_is_left_of_a_list_is_renumbered_to_its_place_in_the_list():
    kept = [0, 2, 5]  # items 1, 3 and 4 were left out
    assert Problem("events[1].changes.X", "m").renumbered("events", kept) == Problem("events[2].changes.X", "m")
    assert Problem("later_jobs[2]", "m").renumbered("later_jobs", kept) == Problem("later_jobs[5]", "m")
    for untouched in (Problem("later_jobs[1].events[1]", "m"), Problem("job.Channels[1]", "m"), Problem("", "m")):
        assert untouched.renumbered("events", kept) == untouched


@pytest.mark.parametrize("at, constraint", [(None, None), ("roleArn", None), (None, "Member must not be null")])
def test_no_service_text_without_both_the_path_and_the_constraint(at, constraint):
    assert Problem("job.RoleArn", "m", at=at, value="v", constraint=constraint).service_text() is None


@pytest.mark.parametrize("value, shown", [
    (None, "null"),
    ("a_b", "'a_b'"),
    ("", "''"),
    (0, "'0'"),
    (-1, "'-1'"),
    (2.5, "'2.5'"),
    (True, "'true'"),
    (False, "'false'"),
    ([], "'[]'"),
    (["subnet-1", 2, False], "'[subnet-1, 2, false]'"),
    ({"Key": "team", "Value": "growth"}, "'{Key=team, Value=growth}'"),
    ([{"Key": "a", "Value": "b"}, {"Key": "c", "Value": "d"}], "'[{Key=a, Value=b}, {Key=c, Value=d}]'"),
    ({"outer": {"inner": [True]}}, "'{outer={inner=[true]}}'"),
])
def test_service_text_prints_the_value_as_the_services_java_does(value, shown):
    problem = Problem("job.x", "m", at="resourceConfig.instanceCount", value=value, constraint="Member must be ok")
    assert problem.service_text() == (f"Value {shown} at 'resourceConfig.instanceCount' failed to satisfy "
                                      "constraint: Member must be ok")


# --- did_you_mean ---------------------------------------------------------------------------------


@pytest.mark.parametrize("word, options, n, expected", [
    ("timng", ["timing", "spot", "events"], 1, "did you mean 'timing'?"),
    ("ResourceConfg", ["ResourceConfig", "RoleArn"], 1, "did you mean 'ResourceConfig'?"),
    ("interupt", ("stop", "interrupt", "fail", "update"), 1, "did you mean 'interrupt'?"),
    ("zzzz", ["timing", "spot"], 1, ""),
    ("timing", [], 1, ""),
    ("spot", [None, 3, "spots", ("spot",)], 1, "did you mean 'spots'?"),  # only the texts are candidates
    ("ml.m5.xlarg", ["ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge", "ml.c5.xlarge", "ml.t3.medium"], 3,
     "did you mean 'ml.m5.xlarge' or 'ml.m5.4xlarge' or 'ml.m5.2xlarge'?"),
    ("ml.m5.xlarg", ["ml.m5.xlarge", "ml.m5.2xlarge"], 1, "did you mean 'ml.m5.xlarge'?"),
])
def test_did_you_mean_names_the_closest_options(word, options, n, expected):
    assert did_you_mean(word, options, n=n) == expected


def test_did_you_mean_does_not_depend_on_the_order_of_the_options():
    options = ["validation:auc", "validation:acc", "train:auc", "validation:loss"]
    assert {did_you_mean("validation:au", o, n=2) for o in (options, options[::-1], set(options))} == {
        "did you mean 'validation:auc' or 'validation:acc'?"}  # the closest first


# --- validate: the request ------------------------------------------------------------------------


def test_a_realistic_request_has_no_problem():
    assert shapes.validate(JOB, CREATE) == []
    assert shapes.validate(JOB, CREATE, prefix="job") == []


@pytest.mark.parametrize("prefix, path", [("", "RoleArn"), ("job", "job.RoleArn"), ("(boto3)", "(boto3).RoleArn")])
def test_the_prefix_leads_every_path(prefix, path):
    job = job_with(lambda j: j.pop("RoleArn"))
    assert [p.path for p in shapes.validate(job, CREATE, prefix=prefix)] == [path]


#: (change to JOB, [(our words, the service's words)])
REQUEST_PROBLEMS = {
    "pattern": (
        lambda j: j.update(TrainingJobName="xgboost_churn"),
        [("job.TrainingJobName: 'xgboost_churn' does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
          "Value 'xgboost_churn' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular "
          "expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")]),
    "empty text: below the minimum length, and the pattern": (
        lambda j: j.update(TrainingJobName=""),
        [("job.TrainingJobName: length 0 is below the minimum of 1",
          "Value '' at 'trainingJobName' failed to satisfy constraint: Member must have length greater than or "
          "equal to 1"),
         ("job.TrainingJobName: '' does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
          "Value '' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression "
          "pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")]),
    "missing at the top": (
        lambda j: j.pop("RoleArn"),
        [("job.RoleArn: required member is missing",
          "Value null at 'roleArn' failed to satisfy constraint: Member must not be null")]),
    "missing in a structure": (
        lambda j: j.update(OutputDataConfig={"KmsKeyId": "alias/models"}),
        [("job.OutputDataConfig.S3OutputPath: required member is missing",
          "Value null at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: Member must not be null")]),
    "missing in a list item: items count from 1": (
        lambda j: j["InputDataConfig"][1].pop("ChannelName"),
        [("job.InputDataConfig[1].ChannelName: required member is missing",
          "Value null at 'inputDataConfig.2.member.channelName' failed to satisfy constraint: Member must not be "
          "null")]),
    "too long in a list item": (
        lambda j: j["InputDataConfig"][0].update(ChannelName="c" * 65),
        [("job.InputDataConfig[0].ChannelName: length 65 exceeds the maximum of 64",
          f"Value '{'c' * 65}' at 'inputDataConfig.1.member.channelName' failed to satisfy constraint: Member must "
          "have length less than or equal to 64")]),
    "an item of a list of texts": (
        lambda j: j.update(VpcConfig={"SecurityGroupIds": ["sg-0123456789abcdef0"],
                                      "Subnets": ["subnet-0abc", "subnet_1"]}),
        [("job.VpcConfig.Subnets[1]: 'subnet_1' does not match the pattern [-0-9a-zA-Z]+",
          "Value 'subnet_1' at 'vpcConfig.subnets.2.member' failed to satisfy constraint: Member must satisfy "
          "regular expression pattern: ^[-0-9a-zA-Z]+")]),
    "a short enum is listed": (
        lambda j: j["AlgorithmSpecification"].update(TrainingInputMode="file"),
        [(f"job.AlgorithmSpecification.TrainingInputMode: 'file' is not one of {enum_text('TrainingInputMode')}",
          "Value 'file' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: Member must "
          f"satisfy enum value set: [{enum_text('TrainingInputMode')}]")]),
    "an enum deep in a list item": (
        lambda j: j["InputDataConfig"][0]["DataSource"]["S3DataSource"].update(S3DataType="S3prefix"),
        [(f"job.InputDataConfig[0].DataSource.S3DataSource.S3DataType: 'S3prefix' is not one of "
          f"{enum_text('S3DataType')}",
          "Value 'S3prefix' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3DataType' failed to satisfy "
          f"constraint: Member must satisfy enum value set: [{enum_text('S3DataType')}]")]),
    "below an integer's minimum": (
        lambda j: j["ResourceConfig"].update(InstanceCount=-1),
        [("job.ResourceConfig.InstanceCount: value -1 is below the minimum of 0",
          "Value '-1' at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value "
          "greater than or equal to 0")]),
    "an empty list below its minimum": (
        lambda j: j.update(InputDataConfig=[]),
        [("job.InputDataConfig: length 0 is below the minimum of 1",
          "Value '[]' at 'inputDataConfig' failed to satisfy constraint: Member must have length greater than or "
          "equal to 1")]),
    "too many list items": (
        lambda j: j.update(Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)]),
        [("job.Tags: 51 items exceed the maximum of 50",
          "Value '[" + ", ".join(f"{{Key=k{i}, Value=v}}" for i in range(51)) + "]' at 'tags' failed to satisfy "
          "constraint: Member must have length less than or equal to 50")]),
    "too many map entries": (
        lambda j: j.update(Environment={f"VAR_{i}": "1" for i in range(101)}),
        [("job.Environment: 101 entries exceed the maximum of 100",
          "Value '{" + ", ".join(f"VAR_{i}=1" for i in range(101)) + "}' at 'environment' failed to satisfy "
          "constraint: Member must have length less than or equal to 100")]),
    "a map value: the service names the map and the part": (
        lambda j: j["HyperParameters"].update(eta="0" * 2501),
        [("job.HyperParameters.eta: length 2501 exceeds the maximum of 2500",
          f"Value '{'0' * 2501}' at 'hyperParameters' failed to satisfy constraint: Map value must satisfy "
          "constraint: [Member must have length less than or equal to 2500]")]),
    "a map key": (
        lambda j: j["HyperParameters"].update({"k" * 257: "1"}),
        [(f"job.HyperParameters (key: {'k' * 257}): length 257 exceeds the maximum of 256",
          f"Value '{'k' * 257}' at 'hyperParameters' failed to satisfy constraint: Map key must satisfy "
          "constraint: [Member must have length less than or equal to 256]")]),
    # a value of the wrong type is the service's SerializationException, not a validation error: no words
    "a boolean for an integer": (
        lambda j: j["ResourceConfig"].update(InstanceCount=True),
        [("job.ResourceConfig.InstanceCount: True has the wrong type (expected int)", None)]),
    "an integral float for an integer": (
        lambda j: j["ResourceConfig"].update(VolumeSizeInGB=30.0),
        [("job.ResourceConfig.VolumeSizeInGB: 30.0 has the wrong type (expected int: write 30)", None)]),
    "a fractional float for an integer": (
        lambda j: j["ResourceConfig"].update(VolumeSizeInGB=30.5),
        [("job.ResourceConfig.VolumeSizeInGB: 30.5 has the wrong type (expected int)", None)]),
    "a text for a boolean": (
        lambda j: j.update(EnableManagedSpotTraining="yes"),
        [("job.EnableManagedSpotTraining: 'yes' has the wrong type (expected bool)", None)]),
    "a number for a map value": (
        lambda j: j["HyperParameters"].update(max_depth=6),
        [("job.HyperParameters.max_depth: 6 has the wrong type (expected str: write it in quotes)", None)]),
    "a structure for a list": (
        lambda j: j.update(Tags={"team": "growth"}),
        [("job.Tags: {'team': 'growth'} has the wrong type (expected list, tuple)", None)]),
    "a typo of a member": (
        lambda j: j["ResourceConfig"].update(InstanceCnt=1),
        [("job.ResourceConfig.InstanceCnt: unknown member (did you mean 'InstanceCount'?)", None)]),
}


@pytest.mark.parametrize("case", REQUEST_PROBLEMS, ids=list(REQUEST_PROBLEMS))
def test_each_problem_in_our_words_and_the_services(case):
    change, expected = REQUEST_PROBLEMS[case]
    assert problems(job_with(change)) == expected


def test_a_list_or_map_at_its_maximum_size_is_within_it():
    job = job_with(lambda j: j.update(Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)],
                                      Environment={f"VAR_{i}": "1" for i in range(100)}))
    assert shapes.validate(job, CREATE) == []


def test_an_unknown_member_with_no_close_name_lists_the_valid_ones():
    assert problems(job_with(lambda j: j.update(Priority=1))) == [
        (f"job.Priority: unknown member (valid: {', '.join(CREATE.members)})", None)]


def test_a_long_enum_gives_its_size_and_up_to_three_close_values():
    allowed = service.enum("TrainingInstanceType")
    assert len(allowed) > 12
    [(typo, text)] = problems(job_with(lambda j: j["ResourceConfig"].update(InstanceType="ml.m5.xlarg")))
    assert typo.startswith(f"job.ResourceConfig.InstanceType: 'ml.m5.xlarg' is not one of the {len(allowed)} "
                           "allowed values; did you mean 'ml.m5.xlarge' or ")
    assert typo.count(" or ") == 2
    assert text == ("Value 'ml.m5.xlarg' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must "
                    f"satisfy enum value set: [{', '.join(allowed)}]")
    [(far, _)] = problems(job_with(lambda j: j["ResourceConfig"].update(InstanceType="gpu")))
    assert far == f"job.ResourceConfig.InstanceType: 'gpu' is not one of the {len(allowed)} allowed values"


def test_every_problem_is_reported_at_once_missing_members_first():
    def change(j):
        j.pop("RoleArn")
        j.update(TrainingJobName="a_b", Bogus=1)
        j["ResourceConfig"]["InstanceCount"] = -2

    assert [str(p).split(":")[0] for p in shapes.validate(job_with(change), CREATE)] == [
        "RoleArn", "Bogus", "TrainingJobName", "ResourceConfig.InstanceCount"]


# --- validate: scalars of every kind --------------------------------------------------------------


@pytest.mark.parametrize("shape_name, expected", [
    ("ProcessingInstanceCount", "True has the wrong type (expected int)"),  # integer
    ("Gid", "True has the wrong type (expected int)"),  # long
    ("ValidationFraction", "True has the wrong type (expected float)"),  # float
    ("Double", "True has the wrong type (expected float)"),  # double
])
def test_a_boolean_is_no_number_whatever_botocore_lets_through(shape_name, expected):
    shape = MODEL.shape_for(shape_name)
    assert [str(p) for p in shapes.validate(True, shape)] == [expected]
    assert [str(p) for p in shapes.validate(False, shape)] == [expected.replace("True", "False")]


@pytest.mark.parametrize("shape_name, value, expected", [
    ("Gid", 1000, "value 1000 is below the minimum of 1001"),
    ("Gid", 4000001, "value 4000001 exceeds the maximum of 4000000"),
    ("Gid", 3.0, "3.0 has the wrong type (expected int: write 3)"),
    ("NumberOfCpuCores", 0.1, "value 0.1 is below the minimum of 0.25"),
    ("ValidationFraction", "0.5", "'0.5' has the wrong type (expected float, decimal.Decimal, int)"),
])
def test_numbers_out_of_range_or_of_the_wrong_kind(shape_name, value, expected):
    assert [str(p) for p in shapes.validate(value, MODEL.shape_for(shape_name))] == [expected]


@pytest.mark.parametrize("shape_name, value", [("Gid", 1001), ("Gid", 4000000), ("NumberOfCpuCores", 0.25),
                                               ("NumberOfCpuCores", 1), ("ValidationFraction", 0)])
def test_numbers_on_the_bounds_are_within_them(shape_name, value):
    assert shapes.validate(value, MODEL.shape_for(shape_name)) == []


def test_a_float_above_its_maximum_is_a_problem():
    assert [str(p) for p in shapes.validate(1.5, MODEL.shape_for("ValidationFraction"))] == [
        "value 1.5 exceeds the maximum of 1"]


def test_a_map_below_its_minimum_is_a_problem():
    request = {"ModelPackageGroupName": "x", "CustomerMetadataProperties": {}}
    (problem,) = shapes.validate(request, MODEL.operation_model("CreateModelPackage").input_shape)
    assert str(problem) == "CustomerMetadataProperties: length 0 is below the minimum of 1"
    assert problem.service_text() == ("Value '{}' at 'customerMetadataProperties' failed to satisfy constraint: "
                                      "Member must have length greater than or equal to 1")


LIST_TRAINING_JOBS = service.input_shape("ListTrainingJobs")


@pytest.mark.parametrize("value", [1714640400, 1714640400.25, "2024-05-02T09:00:00Z",
                                   datetime(2024, 5, 2, 9, tzinfo=UTC),
                                   1e20, float("inf")])  # botocore's own check raises on these
def test_a_timestamp_is_epoch_seconds_on_the_wire_or_what_boto3_takes(value):
    assert shapes.validate({"CreationTimeAfter": value}, LIST_TRAINING_JOBS) == []


@pytest.mark.parametrize("value", ["yesterday", None, [1714640400]])
def test_a_timestamp_of_another_kind_is_a_problem(value):
    assert [str(p) for p in shapes.validate({"CreationTimeAfter": value}, LIST_TRAINING_JOBS)] == [
        f"CreationTimeAfter: {value!r} has the wrong type (expected datetime.datetime, timestamp-string)"]


def test_a_boolean_is_no_timestamp():
    assert [str(p) for p in shapes.validate({"CreationTimeAfter": True}, LIST_TRAINING_JOBS)] == [
        "CreationTimeAfter: True has the wrong type (expected timestamp)"]


# --- validate: properties -------------------------------------------------------------------------

INTEGERS = [s for s in ALL_SHAPES if s.type_name in ("integer", "long") and ("min" in s.metadata or
                                                                                 "max" in s.metadata)]
TEXTS = [s for s in ALL_SHAPES if s.type_name == "string" and not getattr(s, "enum", None)
         and "pattern" not in s.metadata]
ENUMS = [s for s in ALL_SHAPES if s.type_name == "string" and getattr(s, "enum", None)]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_every_integer_within_a_shapes_range_passes_and_one_outside_is_one_problem(data):
    shape = data.draw(st.sampled_from(INTEGERS), label="shape")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    assert shapes.validate(data.draw(st.integers(low, high), label="within"), shape) == []
    if low is not None:
        below = data.draw(st.integers(low - 10**9, low - 1), label="below")
        [problem] = shapes.validate(below, shape)
        assert (problem.message, problem.constraint) == (
            f"value {below} is below the minimum of {low}", f"Member must have value greater than or equal to {low}")
    if high is not None:
        above = data.draw(st.integers(high + 1, high + 10**9), label="above")
        [problem] = shapes.validate(above, shape)
        assert (problem.message, problem.constraint) == (
            f"value {above} exceeds the maximum of {high}", f"Member must have value less than or equal to {high}")


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_every_text_within_a_shapes_lengths_passes_and_a_longer_one_is_one_problem(data):
    shape = data.draw(st.sampled_from(TEXTS), label="shape")
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    within = data.draw(st.text(min_size=low, max_size=min(high if high is not None else 64, low + 64)))
    assert shapes.validate(within, shape) == []
    if high is not None and high < 4096:
        longer = "x" * data.draw(st.integers(high + 1, high + 3), label="length")
        assert [str(p) for p in shapes.validate(longer, shape)] == [
            f"length {len(longer)} exceeds the maximum of {high}"]


def test_every_enum_value_passes_and_no_other_text_does():
    assert len(ENUMS) > 100
    for shape in ENUMS:
        for value in shape.enum:
            assert shapes.validate(value, shape) == [], (shape.name, value)
        [problem] = shapes.validate(shape.enum[0] + "!", shape)
        assert problem.constraint == f"Member must satisfy enum value set: [{', '.join(shape.enum)}]", shape.name


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)


@settings(max_examples=100, deadline=None)
@given(member=st.sampled_from(sorted(JOB)), value=JSON)
def test_any_value_in_a_member_gives_problems_there_only_and_never_raises(member, value):
    job = {**copy.deepcopy(JOB), member: value}
    for problem in shapes.validate(job, CREATE, prefix="job"):
        assert problem.path.startswith(f"job.{member}"), problem
        assert str(problem).startswith(f"{problem.path}: ")
        text = problem.service_text()
        assert text is None or (text.startswith("Value ") and f"failed to satisfy constraint: {problem.constraint}"
                                in text), text


# --- parse_wire -----------------------------------------------------------------------------------


def test_the_wire_form_is_parsed_as_boto3_parses_it():
    described = service.output_shape("DescribeTrainingJob")
    wire = {"TrainingJobName": "xgboost-churn-2024-05-02", "CreationTime": 1714640400, "BillableTimeInSeconds": 2400,
            "HyperParameters": {"eta": "0.2"},
            "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": 1714640400.5,
                                            "StatusMessage": "Starting the training job"}]}
    parsed = shapes.parse_wire(wire, described)
    assert "ResponseMetadata" not in parsed
    assert isinstance(parsed["CreationTime"], datetime) and parsed["CreationTime"].tzinfo is not None
    assert parsed["CreationTime"].timestamp() == 1714640400
    assert parsed["SecondaryStatusTransitions"][0]["StartTime"].timestamp() == 1714640400.5
    assert {k: v for k, v in parsed.items() if k not in ("CreationTime", "SecondaryStatusTransitions")} == {
        "TrainingJobName": "xgboost-churn-2024-05-02", "BillableTimeInSeconds": 2400, "HyperParameters": {"eta": "0.2"}}
    assert shapes.parse_wire({"NotAMember": 1}, described) == {}  # as boto3 drops what it does not model


# --- json_schema ----------------------------------------------------------------------------------


def bare(schema: dict) -> dict:
    return {k: v for k, v in schema.items() if k != "description"}


@pytest.mark.parametrize("shape_name, expected", [
    ("TrainingJobName", {"type": "string", "minLength": 1, "maxLength": 63}),
    ("TrainingInputMode", {"type": "string", "enum": service.enum("TrainingInputMode")}),
    ("ProcessingInstanceCount", {"type": "integer", "minimum": 1, "maximum": 100}),
    ("Gid", {"type": "integer", "minimum": 1001, "maximum": 4000000}),
    ("ValidationFraction", {"type": "number", "minimum": 0, "maximum": 1}),
    ("Double", {"type": "number"}),
    ("Boolean", {"type": "boolean"}),
    ("Timestamp", {"type": "string"}),
    ("SubnetId", {"type": "string", "minLength": 0, "maxLength": 32}),
    ("Subnets", {"type": "array", "items": {"type": "string", "minLength": 0, "maxLength": 32},
                 "minItems": 1, "maxItems": 16}),
    ("CustomerMetadataMap", {"type": "object", "additionalProperties": {"type": "string", "minLength": 1,
                                                                         "maxLength": 256},
                             "minProperties": 1, "maxProperties": 50}),
])
def test_json_schema_of_each_kind(shape_name, expected):
    schema = shapes.json_schema(MODEL.shape_for(shape_name))
    schema.get("items", {}).pop("description", None)
    schema.get("additionalProperties", {}).pop("description", None)
    assert bare(schema) == expected


def test_a_description_is_the_documentation_without_tags_and_at_most_300_characters():
    described = [s for s in ALL_SHAPES if s.type_name in ("string", "integer") and "<" in (s.documentation or "")]
    assert described
    for shape in described:
        text = shapes.json_schema(shape)["description"]
        assert 0 < len(text) <= 300 and "<p>" not in text and "</" not in text and not text[0].isspace(), shape.name


def test_structures_land_in_defs_once_and_a_recursive_one_refers_to_itself():
    defs: dict = {}
    assert shapes.json_schema(MODEL.shape_for("SearchExpression"), defs) == {"$ref": "#/$defs/SearchExpression"}
    expression = defs["SearchExpression"]
    assert expression["type"] == "object" and expression["additionalProperties"] is False
    assert expression["required"] == []
    assert expression["properties"]["SubExpressions"]["items"] == {"$ref": "#/$defs/SearchExpression"}
    assert sorted(defs) == ["Filter", "NestedFilters", "SearchExpression"]
    before = copy.deepcopy(defs)
    shapes.json_schema(MODEL.shape_for("SearchExpression"), defs)
    assert defs == before


def test_the_request_schema_states_the_shapes_members_and_required_ones():
    defs: dict = {}
    assert shapes.json_schema(CREATE, defs) == {"$ref": "#/$defs/CreateTrainingJobRequest"}
    request = defs["CreateTrainingJobRequest"]
    assert list(request["properties"]) == list(CREATE.members)
    assert request["required"] == list(CREATE.required_members)
    assert request["properties"]["InputDataConfig"]["items"] == {"$ref": "#/$defs/Channel"}
    assert defs["ResourceConfig"]["properties"]["InstanceCount"]["minimum"] == 0


def test_the_request_schema_accepts_the_realistic_request_and_refuses_what_validate_refuses():
    jsonschema = pytest.importorskip("jsonschema")
    defs: dict = {}
    validator = jsonschema.Draft202012Validator({**shapes.json_schema(CREATE, defs), "$defs": defs})
    assert list(validator.iter_errors(JOB)) == []
    for change in (lambda j: j.pop("RoleArn"), lambda j: j["ResourceConfig"].update(InstanceCnt=1),
                   lambda j: j["ResourceConfig"].update(InstanceCount=-1),
                   lambda j: j["AlgorithmSpecification"].update(TrainingInputMode="file"),
                   lambda j: j.update(TrainingJobName="x" * 64), lambda j: j.update(InputDataConfig=[])):
        job = job_with(change)
        assert shapes.validate(job, CREATE) != [] and list(validator.iter_errors(job)) != []


@pytest.mark.parametrize("value", ["1000000000000", "1e20"])
def test_a_text_botocores_parser_gives_up_on_is_a_problem_not_a_crash(value):
    assert [str(p) for p in shapes.validate({"CreationTimeAfter": value}, LIST_TRAINING_JOBS)] == [
        f"CreationTimeAfter: {value!r} has the wrong type (expected timestamp)"]


# --- botocore's private hooks (`make canary` runs this file against the newest botocore) ------------

#: the private methods of botocore's ParamValidator that shapes._ConstraintValidator overrides and calls
#: (super()) as (value, shape, errors, name); botocore itself passes ``name=`` by keyword
HOOKS = ["_validate", "_validate_structure", "_validate_list", "_validate_map", "_validate_string",
         "_validate_timestamp", "_validate_integer", "_validate_long", "_validate_float", "_validate_double"]


def test_the_canary_knows_every_hook_shapes_py_overrides():
    overridden = [n for n in vars(shapes._ConstraintValidator) if n.startswith("_validate")]
    assert sorted(overridden) == sorted(HOOKS), "a hook added to or removed from shapes.py: update HOOKS"


@pytest.mark.parametrize("hook", HOOKS)
def test_botocores_private_validator_hook_is_still_there_with_its_signature(hook):
    from botocore import __version__
    from botocore.validate import ParamValidator

    method = getattr(ParamValidator, hook, None)
    assert callable(method), f"botocore {__version__}: ParamValidator.{hook} is gone; shapes.py overrides it"
    parameters = list(inspect.signature(method).parameters.values())
    shown = f"botocore {__version__}: ParamValidator.{hook}{inspect.signature(method)}"
    # shapes.py's overrides take (self, value, shape, errors, name): the value's name may change, not the rest
    assert len(parameters) == 5, f"{shown}: shapes.py overrides it as (self, value, shape, errors, name)"
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty for p in parameters), shown
    assert [p.name for p in parameters[2:]] == ["shape", "errors", "name"], shown


def test_botocores_validator_still_dispatches_to_each_hook():
    """ParamValidator.validate must still reach every hook shapes.py overrides (it finds them by name,
    ``_validate_<type>``): a hook that is never called would silently drop its checks."""
    from botocore import __version__
    from botocore.model import ShapeResolver
    from botocore.validate import ParamValidator

    called = []

    def recorder(hook):
        def method(self, *args, **kwargs):
            called.append(hook)
            return getattr(ParamValidator, hook)(self, *args, **kwargs)
        return method

    kinds = {"s": "string", "i": "integer", "l": "long", "f": "float", "d": "double", "t": "timestamp"}
    model = {"Top": {"type": "structure", "members": {
        **{member: {"shape": kind.title()} for member, kind in kinds.items()},
        "items": {"shape": "Items"}, "entries": {"shape": "Entries"}}},
        **{kind.title(): {"type": kind} for kind in kinds.values()},
        "Items": {"type": "list", "member": {"shape": "String"}},
        "Entries": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}}}
    shape = ShapeResolver(model).get_shape_by_name("Top")
    value = {"s": "x", "i": 1, "l": 2, "f": 1.5, "d": 2.5, "t": datetime(2024, 1, 1, tzinfo=UTC), "items": ["a"],
             "entries": {"k": "v"}}
    recording = type("Recording", (ParamValidator,), {hook: recorder(hook) for hook in HOOKS})()
    report = recording.validate(value, shape)
    assert not report.has_errors(), report.generate_report()
    missing = [hook for hook in HOOKS if hook not in called]
    assert missing == [], f"botocore {__version__}: ParamValidator.validate no longer calls {missing}"


def test_botocores_errors_keep_the_structure_shapes_py_reads():
    """shapes.validate reads ``ValidationErrors._errors`` as (reason, name, details) and calls
    ``report(name, reason, **details)``; _describe reads these reasons and these keys of details."""
    from botocore import __version__
    from botocore.model import ShapeResolver
    from botocore.validate import ParamValidator, ValidationErrors

    errors = ValidationErrors()
    errors.report("Name", "constraint", message="m", constraint="c")
    assert errors._errors == [("constraint", "Name", {"message": "m", "constraint": "c"})], __version__
    model = {"Top": {"type": "structure", "required": ["need"], "members": {
        "need": {"shape": "String"}, "n": {"shape": "Small"}, "text": {"shape": "Short"}}},
        "String": {"type": "string"}, "Small": {"type": "integer", "min": 1}, "Short": {"type": "string", "min": 2}}
    shape = ShapeResolver(model).get_shape_by_name("Top")
    report = ParamValidator().validate({"nope": 1, "n": 0, "text": "x"}, shape)
    found = {reason: set(details) for reason, _, details in report._errors}
    expected = {"missing required field": {"required_name"}, "unknown field": {"unknown_param", "valid_names"},
                "invalid range": {"param", "min_allowed"}, "invalid length": {"param", "min_allowed"}}
    assert {reason: found.get(reason, set()) >= keys for reason, keys in expected.items()} == dict.fromkeys(
        expected, True), f"botocore {__version__}: {report._errors}"
    typed = ParamValidator().validate({"n": "1"}, shape)._errors
    assert [(r, set(d) >= {"param", "valid_types"}) for r, _, d in typed if r == "invalid type"] == [
        ("invalid type", True)], f"botocore {__version__}: {typed}"


def test_an_echoed_value_is_capped_so_that_a_huge_one_does_not_make_a_huge_error():
    from simulator import service
    from simulator.shapes import ECHOED, validate

    name = "a" * 1_000_000
    problems = validate({"TrainingJobName": name}, service.input_shape("DescribeTrainingJob"))
    texts = [p.service_text() for p in problems]
    assert texts and all(len(t) < ECHOED + 200 for t in texts)
    assert f"'{'a' * ECHOED}… (1,000,000 characters)' at 'trainingJobName'" in texts[0]
    short = validate({"TrainingJobName": "a" * 64}, service.input_shape("DescribeTrainingJob"))
    assert f"'{'a' * 64}'" in short[0].service_text()  # a value of ordinary length: whole, as the service echoes it
