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
