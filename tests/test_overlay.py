"""overlay(): overrides laid over scenario data, as a later job and a what-if variant are, and the
one list of the sections they may override."""

from __future__ import annotations

import copy

import pytest

from simulator.errors import DeprecatedName
from simulator.format.overlay import deep_merge, overlay, validate
from simulator.format.scenario import LaterJob
from simulator.format.settings import OVERRIDABLE
from simulator.format.whatif import Variant
from simulator.shapes import Problem

from .factories import JOB, TIMING

BASE = {"job": JOB, "timing": TIMING, "seed": 3, "metrics": {"loss": 0.5},
        "events": [{"type": "stop", "at": 500}]}


def test_overrides_merge_key_by_key_into_the_base():
    scenario, problems = overlay(BASE, {"job": {"ResourceConfig": {"InstanceCount": 2}}, "timing": {"training": 50}})
    assert problems == []
    assert scenario.job["ResourceConfig"] == {**JOB["ResourceConfig"], "InstanceCount": 2}
    assert scenario.timing.training == 50 and scenario.timing.starting == TIMING["starting"]
    assert scenario.seed == 3 and scenario.metrics == {"loss": 0.5} and len(scenario.events) == 1


def test_neither_side_is_modified():
    base, overrides = copy.deepcopy(BASE), {"job": {"ResourceConfig": {"InstanceCount": 2}}}
    overlay(base, overrides)
    assert base == BASE and overrides == {"job": {"ResourceConfig": {"InstanceCount": 2}}}


def test_null_removes_a_member_and_a_list_replaces():
    scenario, _ = overlay(BASE, {"job": {"StoppingCondition": None}, "events": [{"type": "stop", "at": 7}]})
    assert "StoppingCondition" not in scenario.job
    assert [(e.type, e.at) for e in scenario.events] == [("stop", 7)]
    assert overlay(BASE, {"events": []})[0].events == []


def test_a_distribution_replaces_whatever_was_there():
    assert deep_merge({"training": {"uniform": [1, 2]}}, {"training": {"normal": [5, 1]}}) == {
        "training": {"normal": [5, 1]}}


def test_the_result_is_one_job_without_the_bases_later_jobs_or_what_if():
    base = {**BASE, "later_jobs": [{"at": 10}], "whatif": {"baseline": "a", "variants": [{"name": "a"}]}}
    scenario, problems = overlay(base, {})
    assert problems == [] and scenario.later_jobs == [] and scenario.whatif is None


def test_old_and_new_setting_names_mix_across_the_two_sides():
    with pytest.warns(DeprecatedName):
        new_over_old = overlay({**BASE, "spot": {"checkpoint_interval": 300}}, {"checkpoint": {"interval": 60}})[0]
    with pytest.warns(DeprecatedName):
        old_over_new = overlay({**BASE, "checkpoint": {"interval": 300}}, {"spot": {"checkpoint_interval": 60}})[0]
    assert new_over_old.checkpoint.interval == old_over_new.checkpoint.interval == 60


def test_both_names_of_one_setting_that_disagree_are_a_problem_at_the_old_one():
    scenario, problems = overlay(BASE, {"spot": {"checkpoint_interval": 30}, "checkpoint": {"interval": 60}})
    assert scenario is None
    assert problems == [Problem("spot.checkpoint_interval", "the old name of checkpoint.interval, which is also "
                                                             "set: write only checkpoint.interval")]


def test_problems_are_structured_and_named_by_their_place_in_the_merged_scenario():
    scenario, problems = overlay(BASE, {"timing": {"trainin": 5}, "job": {"RoleArn": 5}})
    assert scenario is None  # a section is refused; the request's problems are still found
    assert problems == [Problem("timing.trainin", "unknown key (did you mean 'training'?)"),
                        Problem("job.RoleArn", "5 has the wrong type (expected str: write it in quotes)")]
    assert [str(p.within("later_jobs[0]")) for p in problems] == [
        "later_jobs[0].timing.trainin: unknown key (did you mean 'training'?)",
        "later_jobs[0].job.RoleArn: 5 has the wrong type (expected str: write it in quotes)"]


def test_sound_sections_give_the_scenario_even_with_the_requests_problems():
    scenario, problems = overlay(BASE, {"job": {"RoleArn": "bad"}})  # the caller decides what they mean
    assert scenario is not None and [p.path for p in problems] == ["job.RoleArn", "job.RoleArn"]


def test_an_overlay_is_validate_on_the_merged_data():
    overrides = {"job": {"ResourceConfig": {"InstanceCount": "x"}}, "events": [{"type": "interrupt", "at": 1}]}
    merged = deep_merge(BASE, overrides)
    assert overlay(BASE, overrides)[1] == validate(merged)[1] != []


def test_a_later_job_and_a_variant_take_the_same_sections():
    assert set(LaterJob.model_fields) == {"at", "seed", *OVERRIDABLE}
    assert set(Variant.model_fields) == {"name", *OVERRIDABLE}
    assert LaterJob.model_validate({"at": 1}).events == []  # a later job's events are its own: none by default
    assert Variant.model_validate({"name": "v"}).overrides() == {}  # a variant overrides only what it sets
    assert Variant.model_validate({"name": "v", "events": None}).overrides() == {"events": None}
