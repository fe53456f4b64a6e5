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
