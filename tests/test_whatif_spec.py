"""Reading a what-if section: variants, grid points, prices, and every problem at once."""

from __future__ import annotations

import copy
import math

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
    decisions = ["on-demand", "spot, checkpoint every 10 min", "spot, no checkpoints", "spot, MaxWait 5 h"]
    assert study.decisions == tuple(decisions)
    assert [v.name for v in study.variants] == decisions * 3  # under each of the three markets
    assert study.assumptions == ("spot.interruptions_per_instance_hour",)
    assert study.worlds == tuple({"spot.interruptions_per_instance_hour": r} for r in (0.1, 0.33, 1.0))
    assert [v.plan.spot_config.interruptions_per_instance_hour for v in study.variants[1::4]] == [0.1, 0.33, 1.0]
    assert [study.baseline_of(i) for i in range(12)] == [0] * 4 + [4] * 4 + [8] * 4
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
    baseline = "checkpoint.interval=300, job.StoppingCondition.MaxWaitTimeInSeconds=30000"
    study = load_study(write(tmp_path, {"baseline": baseline, "grid": {
        "checkpoint.interval": [300, 900], "job.StoppingCondition.MaxWaitTimeInSeconds": [30000, 57600]}}))
    assert [v.name for v in study.variants] == [
        "checkpoint.interval=300, job.StoppingCondition.MaxWaitTimeInSeconds=30000",
        "checkpoint.interval=300, job.StoppingCondition.MaxWaitTimeInSeconds=57600",
        "checkpoint.interval=900, job.StoppingCondition.MaxWaitTimeInSeconds=30000",
        "checkpoint.interval=900, job.StoppingCondition.MaxWaitTimeInSeconds=57600"]
    assert study.variants[3].plan.checkpoint.interval == 900 and study.variants[3].plan.max_wait == 57600
    assert study.grid == ("checkpoint.interval", "job.StoppingCondition.MaxWaitTimeInSeconds")


def test_every_decision_runs_under_every_setting_of_the_assumptions(tmp_path):
    study = load_study(write(tmp_path, {"baseline": "a", "variants": [{"name": "a"}, {"name": "b", "job": {
        "EnableManagedSpotTraining": False, "StoppingCondition": {"MaxWaitTimeInSeconds": None}}}],
        "assumptions": {"spot.price_ratio": [0.3, {"uniform": [0.4, 0.5]}], "checkpoint.write": [5, 50]}}))
    assert [(v.name, v.world) for v in study.variants] == [(n, w) for w in range(4) for n in "ab"]
    assert study.worlds[1] == {"spot.price_ratio": 0.3, "checkpoint.write": 50}
    assert study.worlds[2]["spot.price_ratio"] == {"uniform": [0.4, 0.5]}
    assert [v.plan.checkpoint.write for v in study.variants] == [5, 5, 50, 50, 5, 5, 50, 50]
    assert study.world_name(3) == "spot.price_ratio=uniform(0.4, 0.5), checkpoint.write=50"


@pytest.mark.parametrize("whatif, expected", [
    ({"baseline": "a", "grid": {"spot.interruptions_per_instance_hour": [0.1, 1]}},
     "whatif.grid.spot.interruptions_per_instance_hour: an assumption, not a decision: list its values under "
     "whatif.assumptions"),
    ({"baseline": "a", "variants": [{"name": "a"}], "assumptions": {"checkpoint.interval": [60]}},
     "whatif.assumptions.checkpoint.interval: a decision (the request, or checkpoint.interval), not an assumption"),
    ({"baseline": "a", "variants": [{"name": "a"}, {"name": "busy", "spot": {"interruptions_per_instance_hour": 1}}]},
     "whatif.variants[1]: 'busy' sets spot.interruptions_per_instance_hour, an assumption: a variant is a decision"),
    ({"baseline": "a", "grid": {"timing.training": [60]}}, "whatif.grid.timing.training: an assumption"),
    ({"baseline": "a", "grid": {"speed.ml.g4dn.xlarge": [0.5]}}, "whatif.grid.speed.ml.g4dn.xlarge: an assumption"),
])
def test_a_recommendation_can_never_pick_an_assumption(tmp_path, whatif, expected):
    found = problems(write(tmp_path, whatif))
    assert len(found) == 1 and found[0].startswith(expected), found


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
     ["whatif.variants[0] (a): speed: no speed for ml.r5.large: a comparison with ml.g5.xlarge needs each type's "
      "training speed (speed: {ml.r5.large: 0.625} if it trains at 0.625× the speed of ml.g5.xlarge, so that "
      "training takes 1.6× as long)",
      "whatif.variants[0] (a): no on-demand price for ml.r5.large in us-east-1 (the shipped table has none; tjsim "
      "prices lists the table): give one as whatif.prices: {ml.r5.large: <USD per instance-hour>}"]),
])
def test_bad_what_if_input_is_one_line_per_problem(tmp_path, whatif, expected):
    found = problems(write(tmp_path, whatif))
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), line


def test_every_problem_at_once(tmp_path):
    found = problems(write(tmp_path, {"baseline": "a", "variants": [
        {"name": "a", "checkpoint": {"intervall": 5}},
        {"name": "b", "job": {"StoppingCondition": {"MaxRuntimeInSeconds": "long"}}}]}))
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
    ({"baseline": "a", "variants": [{"name": "a"}], "grid": {"checkpoint.interval": list(range(1, 101))},
      "assumptions": {"checkpoint.write": list(range(10))}},
     "whatif: 1,010 variants (every decision, the grid's points included, under every setting of the "
     "assumptions); at most 1,000"),
])
def test_names_are_unique_and_grids_bounded(tmp_path, whatif, expected):
    assert problems(write(tmp_path, whatif))[0].startswith(expected)


def test_an_assumption_may_switch_a_distribution_to_another_kind(tmp_path):
    study = load_study(write(tmp_path, {"baseline": "a", "variants": [{"name": "a"}],
                                        "assumptions": {"timing.capacity_wait": [{"exponential": 300}]}}))
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


def test_another_instance_type_trains_at_its_own_speed(tmp_path):
    grid = {"job.ResourceConfig.InstanceType": ["ml.g5.xlarge", "ml.g4dn.xlarge", "ml.g5.2xlarge"]}
    study = load_study(write(tmp_path, {"baseline": "job.ResourceConfig.InstanceType=ml.g5.xlarge", "grid": grid},
                             speed={"ml.g4dn.xlarge": 0.625, "ml.g5.2xlarge": 1.25}))
    g5, g4dn, g5_2x = study.variants
    assert [v.speed for v in study.variants] == [1.0, 1.6, 0.8]
    assert (g5.plan.timing.training, g4dn.plan.timing.training, g5_2x.plan.timing.training) == (14400, 23040, 11520)
    assert g4dn.hourly_price == 0.7364


def test_a_speed_table_of_any_scale_gives_the_same_ratios(tmp_path):
    grid = {"job.ResourceConfig.InstanceType": ["ml.g5.xlarge", "ml.g4dn.xlarge"]}
    study = load_study(write(tmp_path, {"baseline": "job.ResourceConfig.InstanceType=ml.g5.xlarge", "grid": grid},
                             speed={"ml.g5.xlarge": 160, "ml.g4dn.xlarge": 100},
                             timing={"training": {"lognormal": [9.0, 0.2]}, "capacity_wait": 60}))
    g4dn = study.variants[1].plan.timing.training
    assert study.variants[1].speed == 1.6
    assert g4dn.lognormal == pytest.approx([9.0 + math.log(1.6), 0.2])  # the whole distribution 1.6× as long


@pytest.mark.parametrize("timing, scaled", [
    ({"uniform": [100, 200]}, {"uniform": [200, 400]}), ({"normal": [100, 10]}, {"normal": [200, 20]}),
    ({"exponential": 100}, {"exponential": 200}), ({"choice": [1, 2]}, {"choice": [2, 4]}), (100.0, 200.0),
])
def test_every_kind_of_duration_scales(timing, scaled):
    from simulator.whatif.speed import scaled as scale

    assert scale(timing, 2.0) == scaled


def test_a_type_comparison_without_a_speed_is_refused_not_run_at_the_same_speed(tmp_path):
    grid = {"job.ResourceConfig.InstanceType": ["ml.g5.xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge"]}
    found = problems(write(tmp_path, {"baseline": "job.ResourceConfig.InstanceType=ml.g5.xlarge", "grid": grid},
                           speed={"ml.p3.2xlarge": 1.1}))
    assert found == ["whatif.grid (job.ResourceConfig.InstanceType=ml.g4dn.xlarge): speed: no speed for "
                     "ml.g4dn.xlarge: a comparison with ml.g5.xlarge needs each type's training speed (speed: "
                     "{ml.g4dn.xlarge: 0.625} if it trains at 0.625× the speed of ml.g5.xlarge, so that training "
                     "takes 1.6× as long)"]


def test_a_speed_is_an_assumption_to_vary(tmp_path):
    study = load_study(write(tmp_path, {"baseline": "g5", "variants": [
        {"name": "g5"}, {"name": "g4dn", "job": {"ResourceConfig": {"InstanceType": "ml.g4dn.xlarge"}}}],
        "assumptions": {"speed.ml.g4dn.xlarge": [0.5, 0.8]}}))
    assert [v.speed for v in study.variants] == [1.0, 2.0, 1.0, 1.25]
    assert study.worlds == ({"speed.ml.g4dn.xlarge": 0.5}, {"speed.ml.g4dn.xlarge": 0.8})


def test_a_speed_for_an_unknown_type_is_refused(tmp_path):
    found = problems(write(tmp_path, BASE["whatif"], speed={"ml.g4dn.xlarg": 0.6}))
    assert found == ["speed.ml.g4dn.xlarg: 'ml.g4dn.xlarg' is not a SageMaker training instance type (did you mean "
                     "'ml.g4dn.xlarge'?)"] or found[0].startswith("speed")


def test_a_variant_cannot_reset_an_assumption_by_removing_its_section(tmp_path):
    whatif = {"baseline": "a", "variants": [{"name": "a"}, {"name": "free writes", "checkpoint": None}]}
    assert problems(write(tmp_path, whatif)) == [
        "whatif.variants[1]: 'free writes' sets checkpoint, which holds an assumption (checkpoint.write): a variant "
        "is a decision; list the assumption's values under whatif.assumptions, where every decision is compared "
        "under each"]
    whatif["variants"][1] = {"name": "every 5 min", "checkpoint": {"interval": 300}}  # a decision under it: fine
    assert load_study(write(tmp_path, whatif)).variants[1].plan.checkpoint.interval == 300


def test_a_speed_table_of_another_scale_must_list_the_requests_own_type(tmp_path):
    grid = {"job.ResourceConfig.InstanceType": ["ml.g5.xlarge", "ml.g4dn.xlarge"]}
    found = problems(write(tmp_path, {"baseline": "job.ResourceConfig.InstanceType=ml.g5.xlarge", "grid": grid},
                           speed={"ml.g4dn.xlarge": 100, "ml.p3.2xlarge": 160}))
    assert found == ["whatif.grid (job.ResourceConfig.InstanceType=ml.g4dn.xlarge): speed: ml.g4dn.xlarge: 100 would "
                     "train 100× as fast as ml.g5.xlarge: without ml.g5.xlarge in the table each speed is a factor "
                     "against it; list ml.g5.xlarge too (a table of any scale) or give factors"]


def test_an_assumption_value_listed_twice_is_refused(tmp_path):
    found = problems(write(tmp_path, {"baseline": "a", "variants": [{"name": "a"}],
                                      "assumptions": {"spot.interruptions_per_instance_hour": [1, 0.5, 1.0]}}))
    assert found == ["whatif.assumptions.spot.interruptions_per_instance_hour: 1.0 is listed twice"]


def test_variants_share_their_equal_parts_down_to_each_duration():
    """Equal parts are one object (memory, and first draws known the same at a glance): every variant
    of the shipped study has the same downloading and capacity waits, though their settings differ."""
    plans = [v.plan for v in load_study(SPOT).variants]
    for part in ("downloading", "capacity_wait", "uploading"):
        assert len({id(getattr(p.timing, part)) for p in plans}) == 1, part
    assert len({id(p.starting) for p in plans}) == 1
    assert len({id(p.spot_config.price_ratio) for p in plans}) == 1
