"""simulator/format/constraints.py: the service's rules on a CreateTrainingJob request (its shape, the
members a job on instances needs, the cross-field rules), UpdateTrainingJob's, and a scenario's references."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.defaults import DEFAULT_MAX_RUNTIME, MAX_RUNTIME_LIMIT
from simulator.format.constraints import cross_field_problems, request_problems, service_problems, update_problems
from simulator.format.scenario import Scenario
from simulator.format.settings import Lifecycle
from simulator.limits import MAX_SECONDS

from .conftest import shipped_job

JOB = shipped_job("on-demand-completed")  #: a realistic CreateTrainingJob request
DEBUGGER_IMAGE = "503895931360.dkr.ecr.us-east-1.amazonaws.com/sagemaker-debugger-rules:latest"
STRICT, LENIENT = Lifecycle(), Lifecycle(require_max_wait_for_spot=False)

ONLY_WITH_SPOT = ("job.StoppingCondition.MaxWaitTimeInSeconds: Invalid MaxWaitTimeInSeconds. It is only supported "
                  "when EnableManagedSpotTraining is set to true")
REQUIRED_WITH_SPOT = ("job.StoppingCondition.MaxWaitTimeInSeconds: required with EnableManagedSpotTraining (set "
                      "lifecycle.require_max_wait_for_spot: false to wait without a limit)")
NO_INSTANCE = "job.ResourceConfig.InstanceCount: a training job needs at least one instance"


def wait_below(runtime: int) -> str:
    return ("job.StoppingCondition.MaxWaitTimeInSeconds: must be greater than or equal to MaxRuntimeInSeconds "
            f"({runtime})")


def job_with(**members) -> dict:
    """JOB with top-level members replaced (None removes one)."""
    job = copy.deepcopy(JOB)
    for name, value in members.items():
        if value is None:
            job.pop(name, None)
        else:
            job[name] = value
    return job


def spot(stopping: dict | None) -> dict:
    return job_with(EnableManagedSpotTraining=True, StoppingCondition=stopping,
                    CheckpointConfig={"S3Uri": "s3://acme-ml/churn/checkpoints/"})


def every_problem(job: dict, lifecycle: Lifecycle = STRICT) -> list[str]:
    """What the loader and the endpoint report for a request: its shape's problems, then the service's rules."""
    return [str(p) for p in request_problems(job) + service_problems(job, lifecycle)]


def rule(name: str) -> dict:
    return {"RuleConfigurationName": name, "RuleEvaluatorImage": DEBUGGER_IMAGE}


# --- request_problems -----------------------------------------------------------------------------


@pytest.mark.parametrize("job", [JOB, spot({"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200})],
                         ids=["on-demand", "spot"])
def test_a_realistic_request_has_no_problem(job):
    assert request_problems(job) == []
    assert service_problems(job, STRICT) == []


def test_request_problems_are_the_shapes_under_job_in_the_services_words_too():
    [problem] = request_problems(job_with(TrainingJobName="xgboost_churn"))
    assert str(problem) == ("job.TrainingJobName: 'xgboost_churn' does not match the pattern "
                            "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
    assert problem.service_text() == ("Value 'xgboost_churn' at 'trainingJobName' failed to satisfy constraint: "
                                      "Member must satisfy regular expression pattern: "
                                      "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


@pytest.mark.parametrize("missing", ["AlgorithmSpecification", "ResourceConfig"])
def test_a_job_on_instances_needs_an_algorithm_and_resources_once_each(missing):
    problems = request_problems(job_with(**{missing: None}))
    assert [str(p) for p in problems] == [f"job.{missing}: required member is missing (the service needs it for a "
                                          "training job that runs on instances)"]
    assert problems[0].service_text() is None


def test_the_members_the_shape_requires_come_before_the_ones_a_job_on_instances_needs():
    job = job_with(RoleArn=None, AlgorithmSpecification=None, ResourceConfig=None)
    assert [p.path for p in request_problems(job)] == ["job.RoleArn", "job.AlgorithmSpecification",
                                                       "job.ResourceConfig"]


def test_stopping_condition_may_be_left_out():  # the service's default: one day
    assert every_problem(job_with(StoppingCondition=None)) == []


# --- service_problems: the stopping condition ------------------------------------------------------

DAY = 86400

#: (request, lifecycle, problems)
STOPPING = {
    "on-demand within 28 days": (job_with(StoppingCondition={"MaxRuntimeInSeconds": MAX_RUNTIME_LIMIT}), STRICT, []),
    "on-demand over 28 days": (
        job_with(StoppingCondition={"MaxRuntimeInSeconds": MAX_RUNTIME_LIMIT + 1}), STRICT,
        [f"job.StoppingCondition.MaxRuntimeInSeconds: value {MAX_RUNTIME_LIMIT + 1} exceeds the maximum of "
         f"{MAX_RUNTIME_LIMIT} (28 days)"]),
    "max wait on demand": (
        job_with(StoppingCondition={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 9000}), STRICT,
        [ONLY_WITH_SPOT]),
    "max wait with spot explicitly off": (
        job_with(EnableManagedSpotTraining=False,
                 StoppingCondition={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 9000}), STRICT,
        [ONLY_WITH_SPOT]),
    "max wait on demand, below max runtime: only the first rule": (
        job_with(StoppingCondition={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 60}), STRICT,
        [ONLY_WITH_SPOT]),
    "spot, max wait equal to max runtime": (spot({"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 7200}),
                                            STRICT, []),
    "spot, max wait below max runtime": (
        spot({"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 7199}), STRICT, [wait_below(7200)]),
    "spot, max wait below the default max runtime": (
        spot({"MaxWaitTimeInSeconds": 3600}), STRICT, [wait_below(DEFAULT_MAX_RUNTIME)]),
    "spot, max wait equal to the default max runtime": (spot({"MaxWaitTimeInSeconds": DEFAULT_MAX_RUNTIME}),
                                                        STRICT, []),
    "spot without max wait": (spot({"MaxRuntimeInSeconds": 7200}), STRICT, [REQUIRED_WITH_SPOT]),
    "spot without a stopping condition": (spot(None), STRICT, [REQUIRED_WITH_SPOT]),
    "spot without max wait, allowed": (spot({"MaxRuntimeInSeconds": 7200}), LENIENT, []),
    "spot, max wait a year": (spot({"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": int(MAX_SECONDS)}),
                              STRICT, []),
    "spot, max wait beyond a year": (
        spot({"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": int(MAX_SECONDS) + 1}), STRICT,
        [f"job.StoppingCondition.MaxWaitTimeInSeconds: value {int(MAX_SECONDS) + 1} is beyond what tjsim simulates "
         "(31536000 s)"]),
    "spot, max runtime over 28 days and max wait below it: both": (
        spot({"MaxRuntimeInSeconds": 30 * DAY, "MaxWaitTimeInSeconds": 29 * DAY}), STRICT,
        [f"job.StoppingCondition.MaxRuntimeInSeconds: value {30 * DAY} exceeds the maximum of {MAX_RUNTIME_LIMIT} "
         "(28 days)", wait_below(30 * DAY)]),
}


@pytest.mark.parametrize("case", STOPPING, ids=list(STOPPING))
def test_the_stopping_condition_rules(case):
    job, lifecycle, expected = STOPPING[case]
    assert request_problems(job) == []  # each case is a well-formed request: only the rules speak
    assert [str(p) for p in service_problems(job, lifecycle)] == expected


def test_the_rules_take_problems_as_plain_problems():
    [problem] = service_problems(spot({"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 60}), STRICT)
    assert (problem.path, problem.message) == ("job.StoppingCondition.MaxWaitTimeInSeconds",
                                               "must be greater than or equal to MaxRuntimeInSeconds (7200)")
    assert problem.service_text() is None


@settings(max_examples=150, deadline=None)
@given(runtime=st.integers(1, MAX_RUNTIME_LIMIT), wait=st.integers(1, int(MAX_SECONDS)), on_spot=st.booleans())
def test_max_wait_is_for_spot_and_at_least_max_runtime(runtime, wait, on_spot):
    stopping = {"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": wait}
    job = spot(stopping) if on_spot else job_with(StoppingCondition=stopping)
    expected = [] if on_spot and wait >= runtime else [wait_below(runtime)] if on_spot else [ONLY_WITH_SPOT]
    assert every_problem(job) == expected


# --- service_problems: instances ------------------------------------------------------------------

GROUPS = [{"InstanceGroupName": "workers", "InstanceType": "ml.m5.xlarge", "InstanceCount": 2}]


@pytest.mark.parametrize("resources, expected", [
    ({"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}, []),
    ({"InstanceType": "ml.m5.xlarge", "InstanceCount": 0, "VolumeSizeInGB": 30}, [NO_INSTANCE]),
    ({"InstanceCount": 0, "VolumeSizeInGB": 30, "InstanceGroups": GROUPS}, []),
    ({"InstanceCount": 0, "VolumeSizeInGB": 30, "InstanceGroups": []}, [NO_INSTANCE]),
    ({"VolumeSizeInGB": 30, "InstanceGroups": GROUPS}, []),
])
def test_a_job_needs_an_instance_or_instance_groups(resources, expected):
    assert every_problem(job_with(ResourceConfig=resources)) == expected


# --- a wrong-typed member is the shape's problem only ----------------------------------------------

#: (request, the shape's one problem): no rule adds a problem derived from a default in its place
WRONG_TYPED = {
    "max runtime as text, spot": (
        spot({"MaxRuntimeInSeconds": "2h", "MaxWaitTimeInSeconds": 3600}),
        "job.StoppingCondition.MaxRuntimeInSeconds: '2h' has the wrong type (expected int)"),
    "max runtime as a boolean, spot": (
        spot({"MaxRuntimeInSeconds": True, "MaxWaitTimeInSeconds": 3600}),
        "job.StoppingCondition.MaxRuntimeInSeconds: True has the wrong type (expected int)"),
    "max runtime as a float over 28 days": (
        job_with(StoppingCondition={"MaxRuntimeInSeconds": 3e6}),
        "job.StoppingCondition.MaxRuntimeInSeconds: 3000000.0 has the wrong type (expected int: write 3000000)"),
    "max wait as text, spot": (
        spot({"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": "3h"}),
        "job.StoppingCondition.MaxWaitTimeInSeconds: '3h' has the wrong type (expected int)"),
    "max wait as a boolean, on demand": (
        job_with(StoppingCondition={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": True}),
        "job.StoppingCondition.MaxWaitTimeInSeconds: True has the wrong type (expected int)"),
    "max wait as a float beyond a year, spot": (
        spot({"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 4e7}),
        "job.StoppingCondition.MaxWaitTimeInSeconds: 40000000.0 has the wrong type (expected int: write 40000000)"),
    "spot as text, no max wait": (
        job_with(EnableManagedSpotTraining="true"),
        "job.EnableManagedSpotTraining: 'true' has the wrong type (expected bool)"),
    "spot as a number, max wait above max runtime": (
        job_with(EnableManagedSpotTraining=1, StoppingCondition={"MaxRuntimeInSeconds": 3600,
                                                                 "MaxWaitTimeInSeconds": 7200}),
        "job.EnableManagedSpotTraining: 1 has the wrong type (expected bool)"),
    "resources as text": (
        job_with(ResourceConfig="ml.m5.xlarge"),
        "job.ResourceConfig: 'ml.m5.xlarge' has the wrong type (expected dict)"),
    "instance count as text": (
        job_with(ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": "0", "VolumeSizeInGB": 30}),
        "job.ResourceConfig.InstanceCount: '0' has the wrong type (expected int)"),
    "stopping condition as a list, on demand": (
        job_with(StoppingCondition=[{"MaxRuntimeInSeconds": 7200}]),
        "job.StoppingCondition: [{'MaxRuntimeInSeconds': 7200}] has the wrong type (expected dict)"),
    "instance count as a boolean": (
        job_with(ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": False, "VolumeSizeInGB": 30}),
        "job.ResourceConfig.InstanceCount: False has the wrong type (expected int)"),
    "stopping condition as text, spot": (
        spot("7200"), "job.StoppingCondition: '7200' has the wrong type (expected dict)"),
    "spot as text, max wait below max runtime": (
        job_with(EnableManagedSpotTraining="true", StoppingCondition={"MaxRuntimeInSeconds": 7200,
                                                                      "MaxWaitTimeInSeconds": 3600}),
        "job.EnableManagedSpotTraining: 'true' has the wrong type (expected bool)"),
}


@pytest.mark.parametrize("case", WRONG_TYPED, ids=list(WRONG_TYPED))
def test_a_wrong_typed_member_is_one_problem_the_shapes(case):
    job, expected = WRONG_TYPED[case]
    assert every_problem(job) == [expected]


@pytest.mark.parametrize("job", [
    {},
    {"StoppingCondition": 5, "ResourceConfig": [], "EnableManagedSpotTraining": None},
    {"StoppingCondition": {"MaxRuntimeInSeconds": None, "MaxWaitTimeInSeconds": None}},
    {"ResourceConfig": {"InstanceCount": None, "InstanceGroups": "all"}},
])
def test_the_rules_never_fail_on_what_the_request_holds(job):
    assert service_problems(job, STRICT) == []


# --- update_problems ------------------------------------------------------------------------------

UPDATES = {
    "nothing": ({}, set(), []),
    "keep-alive": ({"ResourceConfig": {"KeepAlivePeriodInSeconds": 1800}}, set(), []),
    "a new profiler rule": ({"ProfilerRuleConfigurations": [rule("LowGPUUtilization")]}, {"CPUBottleneck"}, []),
    "a rule already configured": (
        {"ProfilerRuleConfigurations": [rule("LowGPUUtilization"), rule("CPUBottleneck")]}, {"CPUBottleneck"},
        ["ProfilerRuleConfigurations[1].RuleConfigurationName: a rule named 'CPUBottleneck' is already configured"]),
    "the same rule twice in one request": (
        {"ProfilerRuleConfigurations": [rule("IOBottleneck"), rule("IOBottleneck")]}, set(),
        ["ProfilerRuleConfigurations[1].RuleConfigurationName: a rule named 'IOBottleneck' is already configured"]),
    "a typo of a member": (
        {"ResourceConfg": {"KeepAlivePeriodInSeconds": 1800}}, set(),
        ["ResourceConfg: unknown member (did you mean 'ResourceConfig'?)"]),
    "a member only CreateTrainingJob has": (
        {"StoppingCondition": {"MaxRuntimeInSeconds": 7200}}, set(),
        ["StoppingCondition: unknown member (valid: TrainingJobName, ProfilerConfig, ProfilerRuleConfigurations, "
         "ResourceConfig, RemoteDebugConfig)"]),
    "rules of the wrong type": (
        {"ProfilerRuleConfigurations": 5}, set(),
        ["ProfilerRuleConfigurations: 5 has the wrong type (expected list, tuple)"]),
    "shape problems first: a rule without a name hides the duplicate": (
        {"ProfilerRuleConfigurations": [rule("CPUBottleneck"), {"RuleEvaluatorImage": DEBUGGER_IMAGE}]},
        {"CPUBottleneck"}, ["ProfilerRuleConfigurations[1].RuleConfigurationName: required member is missing"]),
}


@pytest.mark.parametrize("case", UPDATES, ids=list(UPDATES))
def test_update_problems(case):
    changes, configured, expected = UPDATES[case]
    before = set(configured)
    assert [str(p) for p in update_problems(changes, configured)] == expected
    assert configured == before  # the job's rules are not the caller's to lose


def test_update_problems_speak_the_services_words_where_the_shape_does():
    [problem] = update_problems({"ResourceConfig": {"KeepAlivePeriodInSeconds": 21601}}, set())
    assert str(problem) == "ResourceConfig.KeepAlivePeriodInSeconds: value 21601 exceeds the maximum of 21600"
    assert problem.service_text() == ("Value '21601' at 'resourceConfig.keepAlivePeriodInSeconds' failed to satisfy "
                                      "constraint: Member must have value less than or equal to 21600")


def test_an_update_does_not_take_a_training_job_name_among_its_changes():
    assert [str(p) for p in update_problems({"TrainingJobName": "not_a_valid_name"}, set())] == [
        "TrainingJobName: not a change: the job updated is the one the event or request is for"]


# --- cross_field_problems -------------------------------------------------------------------------


def scenario(job: dict | None = None, **sections) -> Scenario:
    """A scenario as pydantic takes it, before the loader's checks (which call cross_field_problems)."""
    return Scenario.model_validate({"job": copy.deepcopy(job or JOB), "timing": {"training": 2400}, **sections})


def cross(s: Scenario) -> list[str]:
    return [str(p) for p in cross_field_problems(s)]


def test_a_realistic_scenario_has_no_cross_field_problem():
    assert cross(scenario(metrics={"validation:auc": 0.91})) == []


def test_a_spot_interruption_needs_a_spot_job():
    events = [{"type": "stop", "at": 100}, {"type": "interrupt", "at": 500}, {"type": "interrupt", "at": 900}]
    assert cross(scenario(events=events)) == [
        "events[1]: a spot interruption needs job.EnableManagedSpotTraining: true",
        "events[2]: a spot interruption needs job.EnableManagedSpotTraining: true"]
    assert cross(scenario(spot({"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}), events=events)) == []


@pytest.mark.parametrize("metric, expected", [
    ("validation:auc", []),
    ("validation:acu", ["metrics.validation:acu: not in job.AlgorithmSpecification.MetricDefinitions "
                        "(did you mean 'validation:auc'?)"]),
    ("train:rmse", ["metrics.train:rmse: not in job.AlgorithmSpecification.MetricDefinitions"]),
])
def test_a_metric_must_be_one_the_job_defines(metric, expected):
    assert cross(scenario(metrics={metric: 0.5})) == expected


def test_metrics_of_a_job_without_metric_definitions_are_all_unknown():
    algorithm = {k: v for k, v in JOB["AlgorithmSpecification"].items() if k != "MetricDefinitions"}
    assert cross(scenario(job_with(AlgorithmSpecification=algorithm), metrics={"validation:auc": 0.5})) == [
        "metrics.validation:auc: not in job.AlgorithmSpecification.MetricDefinitions"]


def test_rule_outcomes_name_the_jobs_rules_or_ones_an_update_added_before():
    job = job_with(DebugRuleConfigurations=[rule("LossNotDecreasing")],
                   ProfilerRuleConfigurations=[rule("ProfilerReport")])
    events = [{"type": "update", "at": 600, "changes": {"ProfilerRuleConfigurations": [rule("LowGPUUtilization")]}},
              {"type": "update", "at": 700, "changes": {"ProfilerRuleConfigurations": [rule("ProfilerReport")]}},
              {"type": "update", "at": 800, "changes": {"ProfilerRuleConfigurations": [rule("LowGPUUtilization")]}},
              {"type": "update", "at": 900, "changes": {"ProfilerRuleConfigurations": [rule("IOBottleneck")],
                                                        "ResourceConfg": {}}}]
    rules = {name: {"result": "IssuesFound"}
             for name in ("LossNotDecreasing", "ProfilerReport", "LowGPUUtilization", "IOBottleneck", "Overfit")}
    assert cross(scenario(job, events=events, rules=rules)) == [
        "events[1].changes.ProfilerRuleConfigurations[0].RuleConfigurationName: a rule named 'ProfilerReport' is "
        "already configured",
        "events[2].changes.ProfilerRuleConfigurations[0].RuleConfigurationName: a rule named 'LowGPUUtilization' is "
        "already configured",
        "events[3].changes.ResourceConfg: unknown member (did you mean 'ResourceConfig'?)",
        # a refused update adds no rule
        "rules.IOBottleneck: not a RuleConfigurationName of the job's Debug or Profiler rules",
        "rules.Overfit: not a RuleConfigurationName of the job's Debug or Profiler rules"]


def test_cross_field_problems_are_the_service_rules_then_the_references():
    job = job_with(StoppingCondition={"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 9000})
    assert cross(scenario(job, events=[{"type": "interrupt", "at": 10}], metrics={"loss": 1.0})) == [
        ONLY_WITH_SPOT, "events[0]: a spot interruption needs job.EnableManagedSpotTraining: true",
        "metrics.loss: not in job.AlgorithmSpecification.MetricDefinitions"]


def test_cross_field_problems_follow_the_scenarios_lifecycle():
    job = spot({"MaxRuntimeInSeconds": 7200})
    assert cross(scenario(job)) == [REQUIRED_WITH_SPOT]
    assert cross(scenario(job, lifecycle={"require_max_wait_for_spot": False})) == []


def test_cross_field_problems_hold_a_request_with_shape_problems():
    job = job_with(AlgorithmSpecification="xgboost", DebugRuleConfigurations={"name": "x"},
                   ResourceConfig={"InstanceCount": "1"})
    events = [{"type": "update", "at": 5, "changes": {"ProfilerRuleConfigurations": [rule("CPUBottleneck")]}}]
    assert cross(scenario(job, events=events, metrics={"validation:auc": 0.9}, rules={"CPUBottleneck": {}})) == [
        "metrics.validation:auc: not in job.AlgorithmSpecification.MetricDefinitions"]
