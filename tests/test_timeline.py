"""Golden files: each shipped scenario's ``tjsim replay --format jsonl`` output, byte for byte.

Regenerate after an intended change with ``make goldens`` and review the diff.
"""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

from simulator.cli import main

from .conftest import GOLDEN, SCENARIOS, replayed


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_replay_matches_golden(path):
    result = CliRunner().invoke(main, ["replay", str(path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{path.stem}.jsonl"
    assert golden.exists(), f"no golden for {path.stem}: run `make goldens`"
    assert result.output == golden.read_text(), f"{path.stem} differs from its golden: review, then `make goldens`"


def test_every_golden_has_a_scenario():
    assert {p.stem for p in GOLDEN.glob("*.jsonl")} == {p.stem for p in SCENARIOS}


def test_poll_gives_one_response_per_poll():
    r = replayed("on-demand-completed")
    times = r.times(poll=30)
    assert times[0] == 0 and all(b - a == 30 for a, b in itertools.pairwise(times))
    assert times[-1] >= r.end > times[-2]


def test_describe_past_the_end_shows_the_end():
    r = replayed("stopped-while-training")
    assert r.describe(10**7) == r.describe()


def test_jsonl_line_per_change():
    r = replayed("pipe-mode")
    lines = [json.loads(line) for line in (GOLDEN / "pipe-mode.jsonl").read_text().splitlines()]
    assert len(lines) == len(r.times())
    assert [line["LastModifiedTime"] for line in lines] == sorted({line["LastModifiedTime"] for line in lines})


#: what each shipped scenario is for: per job, its final (primary, secondary, warm pool) and the
#: statuses its history must pass through
OUTCOMES = {
    "algorithm-error": [("Failed", "Failed", None, {"Training"})],
    "capacity-error": [("Failed", "Failed", None, {"Starting"})],
    "client-error-download": [("Failed", "Failed", None, {"Downloading"})],
    "internal-error-retried": [("Completed", "Completed", None, {"Starting", "Training"})],
    "legacy-statuses": [("Completed", "Completed", None,
                         {"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"})],
    "max-pending-exceeded": [("Stopped", "Stopped", None, {"Pending", "Stopping"})],
    "max-runtime-exceeded": [("Stopped", "MaxRuntimeExceeded", None, {"Stopping", "Uploading"})],
    "older-era-2021": [("Completed", "Completed", None, {"Restarting"})],
    "on-demand-completed": [("Completed", "Completed", None, {"Downloading", "Training", "Uploading"})],
    "pending-capacity": [("Completed", "Completed", None, {"Pending"})],
    "pipe-mode": [("Completed", "Completed", None, {"Downloading"})],
    "retries-exhausted": [("Failed", "Failed", None, {"Training"})],
    "rules-and-metrics": [("Completed", "Completed", None, {"Uploading"})],
    "spot-interrupted": [("Completed", "Completed", None, {"Interrupted"})],
    "spot-max-wait-exceeded": [("Stopped", "MaxWaitTimeExceeded", None, {"Interrupted", "Stopping", "Uploading"})],
    "spot-no-capacity": [("Stopped", "MaxWaitTimeExceeded", None, {"Starting", "Stopping"})],
    "spot-no-checkpoint": [("Completed", "Completed", None, {"Interrupted"})],
    "spot-random-interruptions": [("Completed", "Completed", None, {"Interrupted"})],
    "stopped-while-starting": [("Stopped", "Stopped", None, {"Starting", "Stopping"})],
    "stopped-while-training": [("Stopped", "Stopped", None, {"Training", "Stopping", "Uploading"})],
    "updated": [("Completed", "Completed", None, {"Updating"})],
    "whatif-checkpoint-interval": [("Completed", "Completed", None, {"Interrupted"})],
    "whatif-spot-vs-on-demand": [("Completed", "Completed", None, {"Training"})],
    "whatif-p4d-spot-maxwait": [("Completed", "Completed", None, {"Interrupted"})],
    "whatif-multi-node-spot": [("Completed", "Completed", None, {"Interrupted"})],
    "whatif-g5-vs-g4dn": [("Completed", "Completed", None, {"Training"})],
    "warm-pool-expiry": [("Completed", "Completed", "Terminated", set()), ("Completed", "Completed", None, set())],
    "warm-pool-reuse": [("Completed", "Completed", "Reused", set()), ("Completed", "Completed", "Terminated", set())],
}


def test_every_shipped_scenario_says_what_it_reaches():
    assert set(OUTCOMES) == {p.stem for p in SCENARIOS}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_shipped_scenario_reaches_its_outcome(name):
    r = replayed(name)
    reached = []
    for job, (*_, passes) in zip(r.jobs, OUTCOMES[name], strict=True):
        d = r.describe(job=job.plan.name)
        assert passes <= {e["Status"] for e in d["SecondaryStatusTransitions"]}, job.plan.name
        reached.append((d["TrainingJobStatus"], d["SecondaryStatus"], d.get("WarmPoolStatus", {}).get("Status")))
    assert reached == [outcome[:3] for outcome in OUTCOMES[name]]


def _interrupted(runtime: int):
    """A spot job without checkpoints interrupted 12 times an instance-hour until MaxRuntime stops it."""
    import copy

    import yaml

    from simulator import parse
    from simulator.timeline import replay

    from .conftest import ROOT

    data = yaml.safe_load((ROOT / "scenarios" / "spot-random-interruptions.yaml").read_text())
    data = copy.deepcopy(data)
    data["job"].pop("CheckpointConfig")
    data["job"]["StoppingCondition"] = {"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": 365 * 86400}
    data["timing"] = {"training": 365 * 86400, "capacity_wait": {"uniform": [10, 30]}}
    data["spot"] = {"interruptions_per_instance_hour": 12.0}
    return replay(parse(data))


@pytest.mark.parametrize("output", ["views", "timeline", "changes"])
def test_every_output_folds_the_history_once(output, monkeypatch):
    """The cost of a replay's outputs grows with the number of changes, not its square: the history
    entries applied to build every row stay a fixed multiple of the history's length, however long."""
    from simulator.engine import record

    ratios = []
    for runtime in (3 * 3600, 12 * 3600):
        result = _interrupted(runtime)
        applied = 0
        original = record.apply

        def counting(view, entry, original=original):
            nonlocal applied
            applied += 1
            original(view, entry)

        monkeypatch.setattr(record, "apply", counting)
        for _ in getattr(result, output)():
            pass
        monkeypatch.setattr(record, "apply", original)
        ratios.append(applied / len(result.job.history.entries))
    assert result.describe()["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert sum(1 for e in result.job.history.entries if e[1] == record.STATUS and e[2] == "Interrupted") > 100
    assert max(ratios) <= 1.0 and ratios[1] <= ratios[0] * 1.05  # linear: the same per entry at 4x the length


def test_the_compact_timeline_rebuilds_the_responses_but_their_transitions():
    result = replayed("spot-interrupted")
    state: dict = {}
    for line, (t, response) in zip(result.changes(), result.timeline(), strict=True):
        assert line["t"] == round(t, 3)
        state.update(line.get("changed", {}))
        for gone in line.get("removed", []):
            del state[gone]
        rebuilt = {**state, **{k: v for k, v in line.items() if k not in ("t", "changed", "removed", "StatusMessage")}}
        expected = {k: v for k, v in response.items() if k != "SecondaryStatusTransitions"}
        assert rebuilt == expected
        assert line["StatusMessage"] == response["SecondaryStatusTransitions"][-1]["StatusMessage"]


def test_compact_poll_lines_carry_the_poll_time():
    lines = list(replayed("on-demand-completed").changes(poll=300))
    assert [line["t"] for line in lines[:3]] == [0.0, 300.0, 600.0]
    created = lines[0]["LastModifiedTime"]
    assert created < lines[1]["LastModifiedTime"] <= created + 300  # t is the poll's time; the change came before
