"""Reading a what-if section: variants, grid points, prices, and every problem at once."""

from __future__ import annotations

import copy

import pytest
import yaml

from simulator import ScenarioError
from simulator.whatif.spec import COST_UNITS_PER_USD, load_study

from .conftest import ROOT

SPOT = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
BASE = yaml.safe_load(SPOT.read_text())


def write(tmp_path, whatif=None, **changes):
    data = copy.deepcopy(BASE)
    if whatif is not None:
        data["whatif"] = whatif
    data.update(changes)
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def problems(path):
    with pytest.raises(ScenarioError) as err:
        load_study(path)
    return [p.split(": ", 1)[1] for p in err.value.problems]


def test_the_shipped_study():
    study = load_study(SPOT)
    assert [v.name for v in study.variants] == [
        "on-demand", "spot, checkpoint every 10 min", "spot, no checkpoints", "spot, busy market (1 reclaim/h)",
        "spot, MaxWait 5 h"]
    assert study.variants[study.baseline].name == "on-demand"
    on_demand, base, no_checkpoints = study.variants[:3]
    assert not on_demand.plan.spot and base.plan.spot and not no_checkpoints.plan.checkpointing
    assert on_demand.overrides == {"job.EnableManagedSpotTraining": False,
                                   "job.StoppingCondition.MaxRuntimeInSeconds": 28800,
                                   "job.StoppingCondition.MaxWaitTimeInSeconds": None}
    assert base.overrides == {}
    assert (base.hourly_price, base.price_units) == (1.408, 1_408_000)
    assert "Price List API" in base.price_source
    assert base.cost_units(3600) == 1.408 * COST_UNITS_PER_USD


def test_a_grid_adds_a_variant_per_point(tmp_path):
    baseline = "checkpoint.interval=300, spot.interruptions_per_instance_hour=1"
    study = load_study(write(tmp_path, {"baseline": baseline, "grid": {
        "checkpoint.interval": [300, 900], "spot.interruptions_per_instance_hour": [0.5, 1]}}))
    assert [v.name for v in study.variants] == [
        "checkpoint.interval=300, spot.interruptions_per_instance_hour=0.5",
        "checkpoint.interval=300, spot.interruptions_per_instance_hour=1",
        "checkpoint.interval=900, spot.interruptions_per_instance_hour=0.5",
        "checkpoint.interval=900, spot.interruptions_per_instance_hour=1"]
    assert study.variants[3].plan.checkpoint.interval == 900
    assert study.grid == ("checkpoint.interval", "spot.interruptions_per_instance_hour")


def test_prices_can_be_given_in_the_scenario(tmp_path):
    study = load_study(write(tmp_path, {**BASE["whatif"], "prices": {"ml.g5.xlarge": 1.2}}))
    assert {v.hourly_price for v in study.variants} == {1.2} and study.variants[0].price_source == "whatif.prices"


@pytest.mark.parametrize("whatif, expected", [
    ({"baseline": "nope", "variants": [{"name": "a"}]},
     ["whatif.baseline: no variant named 'nope' (the variants are: 'a')"]),
    ({"baseline": "a", "variants": []}, ["whatif: give at least one variant (variants:) or a grid (grid:)"]),
    ({"variants": [{"name": "a"}]}, ["whatif.baseline: required key is missing"]),
    ({"baseline": "a", "variants": [{"name": "a"}, {"name": "a"}]},
     ["whatif: variant names must be unique: a given more than once"]),
    ({"baseline": "a", "variants": [{"name": "a", "spotty": {}}]},
     ["whatif.variants[0].spotty: unknown key (did you mean 'spot'?)"]),
    ({"baseline": "a", "variants": [{"name": "a", "checkpoint": {"intervall": 5}}]},
     ["whatif.variants[0] (a): checkpoint.intervall: unknown key (did you mean 'interval'?)"]),
    ({"baseline": "a", "variants": [{"name": "a", "job": {"ResourceConfig": {"InstanceType": "ml.g5.xlarg"}}}]},
     ["whatif.variants[0] (a): job.ResourceConfig.InstanceType: 'ml.g5.xlarg' is not one of the"]),
    ({"baseline": "a", "variants": [{"name": "a"}], "grid": {"checkpoint.interval": [300, "often"]}},
     ["whatif.grid (checkpoint.interval=often): checkpoint.interval: Input should be a valid number"]),
    ({"baseline": "a", "variants": [{"name": "a"}], "grid": {"checkpoint.intervall": [300]}},
     ["whatif.grid (checkpoint.intervall=300): checkpoint.intervall: unknown key"]),
    ({"baseline": "a", "variants": [{"name": "a", "job": {"ResourceConfig": {"InstanceType": "ml.r5.large"}}}]},
     ["whatif.variants[0] (a): no on-demand price for ml.r5.large in us-east-1: give one as whatif.prices: "
      "{ml.r5.large: <USD per instance-hour>}"]),
])
def test_bad_what_if_input_is_one_line_per_problem(tmp_path, whatif, expected):
    found = problems(write(tmp_path, whatif))
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), line


def test_every_problem_at_once(tmp_path):
    found = problems(write(tmp_path, {"baseline": "a", "variants": [
        {"name": "a", "checkpoint": {"intervall": 5}}, {"name": "b", "timing": {"training": "long"}}]}))
    assert len(found) == 2


def test_a_scenario_without_a_what_if_section(tmp_path):
    data = copy.deepcopy(BASE)
    del data["whatif"]
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(data))
    assert problems(path) == ["whatif: required for a what-if run (give whatif: {baseline: ..., variants: [...]})"]


def test_a_grid_problem_shared_by_every_point_is_one_line(tmp_path):
    found = problems(write(tmp_path, {"baseline": "a", "variants": [{"name": "a"}],
                                      "grid": {"checkpoint.intervall": [300, 600, 900]}}))
    assert found == ["whatif.grid (3 points, e.g. checkpoint.intervall=300): checkpoint.intervall: unknown "
                     "key (did you mean 'interval'?)"]


@pytest.mark.parametrize("whatif, expected", [
    ({"baseline": "a", "variants": [{"name": "a"}], "grid": {"checkpoint.interval": [300, 300]}},
     "whatif: more than one variant is named 'checkpoint.interval=300'"),
    ({"baseline": "a", "variants": [{"name": "a"}, {"name": "checkpoint.interval=300"}],
      "grid": {"checkpoint.interval": [300]}}, "whatif: more than one variant is named"),
    ({"baseline": "a", "variants": [{"name": "a"}], "grid": {"checkpoint.interval": list(range(1, 101)),
                                                              "checkpoint.write": list(range(11))}},
     "whatif: 1,101 variants (the grid's points included); at most 1,000"),
])
def test_names_are_unique_and_grids_bounded(tmp_path, whatif, expected):
    assert problems(write(tmp_path, whatif))[0].startswith(expected)


def test_a_variant_may_switch_a_distribution_to_another_kind(tmp_path):
    study = load_study(write(tmp_path, {"baseline": "a", "variants": [
        {"name": "a", "timing": {"capacity_wait": {"exponential": 300}}}]}))
    assert study.variants[0].plan.timing.capacity_wait.exponential == 300


def test_a_price_for_an_unknown_instance_type_is_refused(tmp_path):
    found = problems(write(tmp_path, {**BASE["whatif"], "prices": {"ml.g5.xlarg": 1.0}}))
    assert found == ["whatif: prices: 'ml.g5.xlarg' is not a SageMaker training instance type (did you mean "
                     "'ml.g5.xlarge'?)"]


@pytest.mark.parametrize("section, grid_path", [
    ({"checkpoint": {"interval": 900}}, "spot.checkpoint_interval"),  # an old grid name over a new scenario
    ({"spot": {"checkpoint_interval": 900}}, "checkpoint.interval"),  # and the other way round
    ({"spot": {"checkpoint_interval": 900}}, "spot.checkpoint_interval"),
])
def test_old_and_new_setting_names_mix_in_a_grid(tmp_path, section, grid_path):
    import warnings

    from simulator.errors import DeprecatedName

    whatif = {"baseline": "a", "variants": [{"name": "a"}], "grid": {grid_path: [120, 900, 3600]}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecatedName)
        study = load_study(write(tmp_path, whatif, **{"checkpoint": None, **section}))
    assert [v.plan.checkpoint.interval for v in study.variants] == [900, 120, 900, 3600]
    assert study.grid == ("checkpoint.interval",)
    assert [v.name for v in study.variants][1] == f"{grid_path}=120"
