"""Reading scenarios: later jobs merged over the first, deprecated settings, every problem reported."""

from __future__ import annotations

import copy

import pytest

from simulator import ScenarioError, parse

from .factories import JOB, TIMING


def data(**sections):
    return {"job": copy.deepcopy(JOB), "timing": dict(TIMING), **sections}


def problems(d):
    with pytest.raises(ScenarioError) as err:
        parse(d, source="s.yaml")
    return err.value.problems


def test_a_later_job_is_the_first_merged_with_its_overrides():
    s = parse(data(seed=4, later_jobs=[{"at": 1500, "job": {"TrainingJobName": "second",
                                                            "ResourceConfig": {"InstanceCount": 2}},
                                        "timing": {"training": 50}}]))
    ((at, later),) = s.later
    assert at == 1500 and later.name == "second" and later.seed == 5
    assert later.job["ResourceConfig"] == {**JOB["ResourceConfig"], "InstanceCount": 2}
    assert later.timing.training == 50 and later.timing.starting == TIMING["starting"]
    assert later.events == []


def test_null_removes_a_member():
    s = parse(data(later_jobs=[{"at": 10, "job": {"TrainingJobName": "second", "StoppingCondition": None}}]))
    assert "StoppingCondition" not in s.later[0][1].job


def test_later_job_problems_name_the_job():
    assert problems(data(later_jobs=[{"at": 10}])) == [
        "s.yaml: later_jobs[0].job.TrainingJobName: a training job named 'unit-job' already exists in this scenario "
        "(give this job a TrainingJobName of its own)"]
    assert problems(data(later_jobs=[{"at": 10, "job": {"TrainingJobName": "b", "ResourceConfig": {"InstanceCnt": 1}}},
                                     {"at": 20, "timng": {}}])) == [  # both at once
        "s.yaml: later_jobs[1].timng: unknown key (did you mean 'timing'?)",
        "s.yaml: later_jobs[0].job.ResourceConfig.InstanceCnt: unknown member (did you mean 'InstanceCount'?)"]
    found = problems(data(later_jobs=[{"at": 10, "job": {"TrainingJobName": "b",
                                                         "ResourceConfig": {"InstanceCnt": 1}}}]))
    assert found == ["s.yaml: later_jobs[0].job.ResourceConfig.InstanceCnt: unknown member "
                     "(did you mean 'InstanceCount'?)"]


def test_deprecated_lifecycle_settings_still_read_and_contradictions_are_refused():
    assert parse(data(lifecycle={"legacy_statuses": True})).lifecycle.era == "pre-2019"
    assert parse(data(lifecycle={"upload_on_stop": False})).lifecycle.stop_upload == "none"
    assert parse(data(lifecycle={"legacy_statuses": False})).lifecycle.era == "2024+"
    assert problems(data(lifecycle={"legacy_statuses": True, "era": "2019-2023"})) == [
        "s.yaml: lifecycle: legacy_statuses: true contradicts era (it is deprecated: write era: pre-2019)"]
    assert problems(data(lifecycle={"legacy_statuses": False, "era": "pre-2019"})) == [
        "s.yaml: lifecycle: legacy_statuses: false contradicts era (it is deprecated: write era: pre-2019)"]
    assert problems(data(lifecycle={"upload_on_stop": True, "stop_upload": "none"})) == [
        "s.yaml: lifecycle: upload_on_stop: true contradicts stop_upload (it is deprecated: write stop_upload: none)"]
    assert problems(data(lifecycle={"upload_on_stop": "no"})) == [
        "s.yaml: lifecycle: upload_on_stop: Input should be a valid boolean (it is deprecated: write stop_upload: "
        "none)"]


def test_an_unknown_era_lists_the_known_ones():
    (problem,) = problems(data(lifecycle={"era": "2020"}))
    assert problem.startswith("s.yaml: lifecycle.era: Input should be '2024+', '2019-2023' or 'pre-2019'")


def test_a_later_job_may_switch_a_distribution_to_another_kind():
    later = {"at": 10, "job": {"TrainingJobName": "b"}, "timing": {"capacity_wait": {"exponential": 300}}}
    s = parse(data(timing={**TIMING, "capacity_wait": {"lognormal": [6, 0.5]}}, later_jobs=[later]))
    assert s.later[0][1].timing.capacity_wait.exponential == 300


@pytest.mark.parametrize("ratio, ok", [(0.3, True), ({"uniform": [0.3, 0.37]}, True), ({"choice": [0.3, 0.35]}, True),
                                       ({"uniform": [0.5, 5]}, False), ({"normal": [0.3, 0.1]}, False), (0, False),
                                       (1.2, False)])
def test_a_spot_price_ratio_stays_within_zero_and_one(ratio, ok):
    d = data(spot={"price_ratio": ratio})
    if ok:
        assert parse(d).spot.price_ratio is not None
    else:
        assert problems(d)[0].startswith("s.yaml: spot.price_ratio: a ratio is a number")


@pytest.mark.parametrize("text, value", [("1e3", 1000.0), ("1.5E+3", 1500.0), ("-2e-1", -0.2), (".5", 0.5),
                                         ("0x10", 16), ("1e", "1e"), ("e3", "e3"), ("010", 10), ("0o12", 10),
                                         ("-7", -7), ("3:00:00", "3:00:00"), ("1_000", "1_000"), ("yes", "yes"),
                                         ("off", "off"), ("True", True), ("false", False), ("~", None)])
def test_yaml_reads_plain_scalars_as_yaml_1_2_does(text, value):
    """YAML 1.1 (PyYAML's default) reads 010 as eight, 3:00:00 as 10800, 1_000 as 1000, yes and off
    as booleans and 1e3 as text; the core schema of YAML 1.2, like JSON, does not."""
    from simulator.loading import _Loader

    loader = _Loader(f"x: {text}")
    assert loader.get_single_data() == {"x": value}


def test_exponent_numbers_in_a_scenario_get_one_clear_explanation(tmp_path):
    import re

    from simulator import load

    from .conftest import ROOT

    text = (ROOT / "scenarios" / "on-demand-completed.yaml").read_text()
    path = tmp_path / "e.yaml"
    path.write_text(re.sub(r"\n  training: \d+", "\n  training: 1e3", text) + "events: [{type: stop, at: 2.5e2}]\n")
    scenario = load(path)
    assert scenario.timing.training == 1000.0 and scenario.events[0].at == 250.0
    path.write_text(re.sub(r"MaxRuntimeInSeconds: \d+", "MaxRuntimeInSeconds: 1e4", text))
    with pytest.raises(ScenarioError) as err:
        load(path)
    assert err.value.problems == [f"{path}: job.StoppingCondition.MaxRuntimeInSeconds: 10000.0 has the wrong type "
                                  "(expected int: write 10000)"]


def test_a_later_jobs_own_problems_come_with_the_first_jobs():
    d = data(later_jobs=[{"at": 10, "job": {"TrainingJobName": "b!", "Foo": 1}},
                         {"at": 20, "job": {"TrainingJobName": JOB["TrainingJobName"]}}])
    d["job"]["StoppingCondition"] = {"MaxRuntimeInSeconds": "4h"}
    found = [p.removeprefix("s.yaml: ") for p in problems(d)]
    assert found[1].startswith("later_jobs[0].job.Foo: unknown member (valid: TrainingJobName, ")
    assert found[:1] + found[2:] == [
        "job.StoppingCondition.MaxRuntimeInSeconds: '4h' has the wrong type (expected int)",  # once, not per job
        "later_jobs[0].job.TrainingJobName: 'b!' does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        f"later_jobs[1].job.TrainingJobName: a training job named {JOB['TrainingJobName']!r} already exists in this "
        "scenario (give this job a TrainingJobName of its own)"]


def test_old_and_new_setting_names_mix_between_a_scenario_and_its_later_jobs():
    import warnings

    from simulator.errors import DeprecatedName

    d = data(checkpoint={"interval": 300}, spot={"checkpoint_write": 5},
             later_jobs=[{"at": 10, "job": {"TrainingJobName": "b"}, "checkpoint": {"write": 10}},
                         {"at": 20, "job": {"TrainingJobName": "c"}, "spot": {"checkpoint_interval": 60}}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecatedName)
        s = parse(d, source="s.yaml")
    assert (s.checkpoint.interval, s.checkpoint.write) == (300, 5)
    assert [(later.checkpoint.interval, later.checkpoint.write) for _, later in s.later] == [(300, 10), (60, 5)]


def test_an_equals_sign_is_text():
    from simulator.loading import _Loader

    assert _Loader("sep: =").get_single_data() == {"sep": "="}


def test_a_refused_section_or_item_hides_no_other_problem():
    """pydantic refusing one event, one later job or one section still lets the rest of the file be
    checked: the request, the cross-field rules and the other later jobs, named by their place."""
    d = data(timing={"starting": -1}, metrics={"nope": 1},
             events=[{"at": 5, "type": "fial"}, {"at": 9, "type": "interrupt"},
                     {"at": 10, "type": "update", "changes": {"Foo": 1}}],
             later_jobs=[{"at": 10, "job": {"TrainingJobName": "b"}, "timng": 3},
                         {"at": 20, "job": {"TrainingJobName": "c!"}},
                         {"at": 30, "job": {"TrainingJobName": JOB["TrainingJobName"]}}])
    found = [p.removeprefix("s.yaml: ").split(":")[0] for p in problems(d)]
    assert found == ["timing.starting", "events[0].type", "later_jobs[0].timng", "events[1]", "metrics.nope",
                     "events[2].changes.Foo", "later_jobs[1].job.TrainingJobName", "later_jobs[2].job.TrainingJobName"]
