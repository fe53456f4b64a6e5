"""The scenario format's own sections (simulator/format/): durations, ratios, the epoch, events,
the checkpoint section and the names settings had before, the JSON Schema."""

from __future__ import annotations

import copy
import dataclasses
import json
import warnings
from datetime import UTC, datetime

import jsonschema
import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from simulator.distributions import Uniform
from simulator.engine.actions import Fail, Interrupt, Stop, Update
from simulator.errors import DeprecatedName
from simulator.format.events import ACTION, Event, FailEvent, StopEvent, UpdateEvent
from simulator.format.scenario import Scenario, json_schema
from simulator.format.settings import RENAMED, Checkpoint, Duration, Ratio, Spot
from simulator.limits import MAX_SECONDS

from .conftest import ROOT

BASE = yaml.safe_load((ROOT / "scenarios" / "on-demand-completed.yaml").read_text())


def scenario(**sections) -> Scenario:
    return Scenario.model_validate({**copy.deepcopy(BASE), **sections})


def problem(adapter: TypeAdapter, value) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    return caught.value.errors()[0]["msg"].removeprefix("Value error, ")


DURATION, RATIO = TypeAdapter(Duration), TypeAdapter(Ratio)


@pytest.mark.parametrize("value, expected", [(0, 0.0), (90, 90.0), (2.5, 2.5), (MAX_SECONDS, MAX_SECONDS),
                                             ({"uniform": [1, 2]}, Uniform(uniform=[1, 2]))])
def test_a_duration_is_seconds_or_a_distribution(value, expected):
    assert DURATION.validate_python(value) == expected


@pytest.mark.parametrize("value, message", [
    (-1, "a duration is a finite number of seconds from 0 to"),
    (float("inf"), "a duration is a finite number of seconds"),
    (True, "expected seconds or one of {uniform: [low, high]}"),
    ("90", "'90' is text, not a number: write it without quotes"),
    ("slow", "expected seconds or one of"),
    ({"uniform": [5, 1]}, "uniform: "),
    ({"uniform": [1, 2], "normal": [1, 1]}, "expected seconds or one of"),
    ({"gamma": [1, 2]}, "expected seconds or one of"),
])
def test_a_bad_duration_says_what_a_duration_is(value, message):
    assert problem(DURATION, value).startswith(message)


@pytest.mark.parametrize("value, ok", [(0.3, True), (1, True), (0, False), (1.01, False), (float("nan"), False),
                                       ({"uniform": [0.2, 0.4]}, True), ({"uniform": [0.2, 1.4]}, False),
                                       ({"choice": [0.3, 0.5]}, True), ({"normal": [0.3, 0.1]}, False)])
def test_a_ratio_stays_within_zero_and_one(value, ok):
    if ok:
        RATIO.validate_python(value)
    else:
        assert problem(RATIO, value).startswith("a ratio is a number")


def test_defaults_are_the_documented_ones():
    s = Scenario.model_validate({"job": BASE["job"]})
    assert (s.seed, s.region, s.account, s.epoch) == (0, "us-east-1", "123456789012", datetime(2024, 1, 1, tzinfo=UTC))
    assert s.checkpoint == Checkpoint(interval=600, write=0) and s.spot == Spot()
    assert s.timing.starting is None and s.timing.pending is None and s.timing.training == 1800
    assert (s.events, s.metrics, s.rules, s.failures, s.later_jobs, s.whatif) == ([], {}, {}, {}, [], None)
    assert s.description == "" and s.name == BASE["job"]["TrainingJobName"] and not s.spot_enabled


@pytest.mark.parametrize("epoch, expected", [
    ("2024-05-02T09:00:00", datetime(2024, 5, 2, 9, tzinfo=UTC)),
    ("2024-05-02T11:00:00+02:00", datetime(2024, 5, 2, 9, tzinfo=UTC)),
])
def test_an_epoch_without_a_zone_is_utc(epoch, expected):
    assert scenario(epoch=epoch).epoch == expected


def test_events_are_told_apart_by_type():
    s = scenario(events=[{"type": "stop", "at": 5}, {"type": "fail", "at": 9, "error": "ClientError"},
                         {"type": "update", "at": 7, "changes": {"ProfilerConfig": {"DisableProfiler": True}}}])
    assert [type(e).__name__ for e in s.events] == ["StopEvent", "FailEvent", "UpdateEvent"]
    assert [e.action() for e in s.events] == [Stop(), Fail("ClientError"),
                                             Update({"ProfilerConfig": {"DisableProfiler": True}})]
    with pytest.raises(ValidationError):
        TypeAdapter(Event).validate_python({"type": "fail", "at": 1, "error": "Meteor"})
    with pytest.raises(ValidationError):
        FailEvent(at=1, error="ClientError", message="")


def test_an_action_is_the_engines_dataclass_validated_as_it_is():
    assert ACTION.validate_python({"type": "interrupt"}) == Interrupt()
    assert ACTION.validate_python({"type": "fail", "error": "ClientError", "message": "m"}) == Fail("ClientError", "m")
    assert ACTION.dump_python(Fail("ClientError"), mode="json", exclude_none=True) == {"type": "fail",
                                                                                       "error": "ClientError"}
    for bad in ({"type": "fail", "error": "Meteor"}, {"type": "fail", "error": "ClientError", "message": ""},
                {"type": "update"}, {"type": "stop", "at": 5}):
        with pytest.raises(ValidationError):
            ACTION.validate_python(bad)


def test_an_event_is_its_actions_members_and_a_time():
    for event, action in ((StopEvent, Stop), (FailEvent, Fail), (UpdateEvent, Update)):
        assert list(event.model_fields) == [*(f.name for f in dataclasses.fields(action)), "at"]


def test_checkpoint_settings_are_bounded():
    assert Checkpoint(interval=0.5, write=0).interval == 0.5
    for bad in ({"interval": 0}, {"interval": MAX_SECONDS * 2}, {"write": -1}, {"intervall": 5}):
        with pytest.raises(ValidationError):
            Checkpoint.model_validate(bad)


def test_the_old_checkpoint_names_still_work_and_say_the_new_ones():
    with pytest.warns(DeprecatedName) as caught:
        old = scenario(spot={"checkpoint_interval": 300, "checkpoint_write": 10, "price_ratio": 0.4})
    assert [str(w.message).split(" (")[0] for w in caught] == [
        "spot.checkpoint_interval is the old name of checkpoint.interval",
        "spot.checkpoint_write is the old name of checkpoint.write"]
    assert old.checkpoint == Checkpoint(interval=300, write=10) and old.spot.price_ratio == 0.4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert scenario(checkpoint={"interval": 300, "write": 10}).checkpoint == old.checkpoint


def test_an_old_name_beside_its_new_one_must_agree():
    with pytest.warns(DeprecatedName):
        same = scenario(spot={"checkpoint_interval": 300}, checkpoint={"interval": 300})
    assert same.checkpoint.interval == 300
    with pytest.raises(ValidationError, match=r"write only checkpoint\.interval"):
        scenario(spot={"checkpoint_interval": 300}, checkpoint={"interval": 60})


def test_every_renamed_setting_has_a_home():
    for (old_section, old), (new_section, new) in RENAMED.items():
        assert old not in Scenario.model_fields[old_section].annotation.model_fields
        assert new in Scenario.model_fields[new_section].annotation.model_fields


def test_unknown_keys_are_refused_in_every_section():
    for section in ("timing", "spot", "checkpoint", "lifecycle"):
        with pytest.raises(ValidationError) as caught:
            scenario(**{section: {"nonsense": 1}})
        assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_the_json_schema_accepts_every_shipped_scenario_and_refuses_a_typo():
    schema = json_schema()
    assert set(schema["properties"]) == set(Scenario.model_fields)
    json.dumps(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        assert not list(validator.iter_errors(data)), path.name
    assert list(validator.iter_errors({**BASE, "timng": {}}))
    assert list(validator.iter_errors({**BASE, "timing": {"training": -5}}))



@pytest.mark.parametrize("epoch, expected", [(1714640400, datetime(2024, 5, 2, 9, tzinfo=UTC)),
                                             (1714640400.5, datetime(2024, 5, 2, 9, 0, 0, 500000, tzinfo=UTC))])
def test_a_numeric_epoch_is_seconds(epoch, expected):
    assert scenario(epoch=epoch).epoch == expected


@pytest.mark.parametrize("epoch", [253402300799, -1, float("inf"), 10**20])  # 9999 in seconds is not ms in 1978
def test_a_numeric_epoch_out_of_range_is_refused(epoch):
    with pytest.raises(ValidationError, match="epoch must fall between 1970 and 2200"):
        scenario(epoch=epoch)


def test_a_quoted_numeric_epoch_is_seconds_too():
    assert scenario(epoch="1714640400").epoch == datetime(2024, 5, 2, 9, tzinfo=UTC)
    with pytest.raises(ValidationError, match="epoch must fall between 1970 and 2200"):
        scenario(epoch="1714640400000")  # milliseconds: not read as 2024


def test_the_schema_takes_an_epoch_as_text_or_seconds():
    validator = jsonschema.Draft202012Validator(json_schema())
    assert not list(validator.iter_errors({**BASE, "epoch": 1714640400}))
    assert not list(validator.iter_errors({**BASE, "epoch": "2024-05-02T09:00:00Z"}))


def test_a_section_emptied_by_a_rename_is_not_set():
    with pytest.warns(DeprecatedName):
        s = scenario(spot={"checkpoint_interval": 300})
    assert "spot" not in s.model_fields_set and s.checkpoint.interval == 300


def test_the_per_job_interruption_rate_is_refused_naming_its_per_instance_successor():
    from simulator import parse
    from simulator.errors import ScenarioError

    data = yaml.safe_load((ROOT / "scenarios" / "spot-random-interruptions.yaml").read_text())
    data["spot"] = {"interruption_rate_per_hour": 0.6}
    with pytest.raises(ScenarioError) as raised:
        parse(data, source="old.yaml")
    (line,) = raised.value.problems
    assert line.startswith("old.yaml: spot.interruption_rate_per_hour: replaced by interruptions_per_instance_hour")
    assert "N times as often" in line
