from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, settings

from simulator import load, replay
from simulator.timeline import Replay

# a loaded machine (xdist on 2 cores, a notebook kernel beside) makes data generation slow, not wrong
settings.register_profile("tjsim", deadline=None, suppress_health_check=[HealthCheck.too_slow])
# CI (which sets CI=true) draws the same examples every run, so a red run is the change's, not the dice's;
# a failure prints the blob that reproduces it (@reproduce_failure)
settings.register_profile("ci", parent=settings.get_profile("tjsim"), derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "tjsim")

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"


def shipped_job(name: str) -> dict:
    """The ``job:`` section (a CreateTrainingJob request) of a shipped scenario, a fresh copy."""
    return yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text())["job"]


@cache
def replayed(name: str) -> Replay:
    """Each shipped scenario replayed once per test session."""
    return replay(load(ROOT / "scenarios" / f"{name}.yaml"))


@pytest.fixture(params=[p.stem for p in SCENARIOS])
def shipped(request) -> Replay:
    return replayed(request.param)


@pytest.fixture
def drawn(monkeypatch) -> dict:
    """Every figure the code under test saves (matplotlib's ``savefig``), by file name, instead of the file."""
    import matplotlib.figure

    figures: dict[str, matplotlib.figure.Figure] = {}
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, out, *a, **k: figures.update({
        Path(out).name: fig}))
    return figures
