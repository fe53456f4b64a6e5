"""simulator/whatif/prices.py and ``tjsim prices``: every figure with its source, per region, and
the per-family spot assumptions."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from simulator import ScenarioError, service
from simulator.whatif import prices
from simulator.whatif.spec import load_study

from .cli_helpers import run
from .conftest import ROOT


def test_every_figure_names_a_source_that_exists_and_every_type_is_a_training_type():
    data = prices.table()
    types = set(service.enum("TrainingInstanceType"))
    for region in data["regions"].values():
        for name, entry in region["prices"].items():
            assert name in types and entry["source"] in data["sources"], name
        if "derived" in region:
            assert region["derived"]["source"] in data["sources"]
    for source in data["sources"].values():
        assert set(source) == {"title", "where", "date"} and all(source.values())


@pytest.mark.parametrize("name", ["ml.g6.xlarge", "ml.g6e.2xlarge", "ml.p5e.48xlarge", "ml.trn2.48xlarge",
                                  "ml.p4d.24xlarge", "ml.p4de.24xlarge", "ml.p5.48xlarge"])
def test_the_new_families_are_in_the_table(name):
    assert prices.on_demand(name, "us-east-1") is not None


def test_p4d_and_p5_are_the_prices_after_the_june_2025_reduction():
    p4d, p5 = prices.on_demand("ml.p4d.24xlarge", "us-east-1"), prices.on_demand("ml.p5.48xlarge", "us-east-1")
    assert (p4d.usd_per_hour, p5.usd_per_hour) == (25.2513, 63.296)
    assert "June 2025" in p4d.source and not p4d.estimate
    assert "before it: p4d 37.688, p5 113.068" in p4d.source  # the published figures of 2024, a third higher


def test_a_derived_region_is_the_base_figure_times_its_factor_its_own_figures_first():
    assert prices.on_demand("ml.g5.2xlarge", "eu-west-1").usd_per_hour == round(1.515 * 1.116, 4)
    assert prices.on_demand("ml.p4d.24xlarge", "eu-west-1").usd_per_hour == round(25.2513 * 1.08, 4)
    assert prices.on_demand("ml.g5.2xlarge", "eu-west-1").estimate
    own = prices.on_demand("ml.g5.xlarge", "eu-west-1")
    assert (own.usd_per_hour, own.estimate) == (1.57, False)  # the bill's, not 1.408 × 1.116
    assert prices.on_demand("ml.p5.48xlarge", "eu-west-1") is None  # no public figure there
    assert prices.on_demand("ml.g6e.xlarge", "us-west-2").usd_per_hour == 2.61
    assert prices.on_demand("ml.g5.xlarge", "ap-south-1") is None


def test_a_type_with_no_public_price_asks_for_one(tmp_path):
    data = yaml.safe_load((ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml").read_text())
    data["job"]["ResourceConfig"]["InstanceType"] = "ml.trn2.48xlarge"
    path = tmp_path / "trn2.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_study(path)
    assert ("no on-demand price for ml.trn2.48xlarge in us-east-1 (no public figure was found; tjsim prices lists "
            "the table): give one as whatif.prices: {ml.trn2.48xlarge: <USD per instance-hour>}"
            ) in err.value.problems[0]


def test_a_scenario_in_another_region_is_priced_there(tmp_path):
    data = yaml.safe_load((ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml").read_text())
    data["region"] = "eu-west-1"
    path = tmp_path / "ireland.yaml"
    path.write_text(yaml.safe_dump(data))
    assert {v.hourly_price for v in load_study(path).variants} == {1.57}


def test_an_advisor_band_per_instance_per_month_as_a_rate_per_instance_hour():
    p4d = {a.family: a for a in prices.spot_assumptions()}["p4d"]
    low, high = p4d.interruptions_per_instance_hour
    assert low == pytest.approx(-math.log(0.9) / 730) and high == pytest.approx(-math.log(0.85) / 730)
    # the Poisson rate reclaims that share of instances in a month of 730 hours
    assert 1 - math.exp(-high * 730) == pytest.approx(0.15)
    g5 = {a.family: a for a in prices.spot_assumptions()}["g5"]
    assert g5.interruptions_per_instance_hour[1] is None  # ">20%" has no upper bound


def test_the_command_lists_prices_sources_and_spot_assumptions():
    out = run("prices").stdout
    assert "ml.g6e.48xlarge" in out and "us-west-2" in out and "eu-west-1" in out
    assert "ml.trn2.48xlarge" in out and "no public figure" in out
    assert "[1] AWS SageMaker pricing page" in out
    assert "per instance per month" in out and "p4d" in out
    data = json.loads(run("prices", "--json", "--region", "eu-west-1").stdout)
    assert list(data["regions"]) == ["eu-west-1"]
    assert data["regions"]["eu-west-1"]["ml.g5.xlarge"]["usd_per_hour"] == 1.57
    assert data["spot"]["families"]["p4d"]["advisor_band_per_instance_per_month"] == [0.1, 0.15]
    bad = run("prices", "--region", "mars-1")
    assert bad.returncode == 2 and "the table prices us-east-1, us-west-2, eu-west-1" in bad.stderr


def test_p5e_is_a_stand_in_marked_as_an_estimate():
    p5e = prices.on_demand("ml.p5e.48xlarge", "us-east-1")
    assert p5e.estimate and "training-plan reservation rate" in p5e.source
    assert "≈41.6116" in run("prices", "--region", "us-east-1").stdout
