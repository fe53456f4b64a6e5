"""simulator/whatif/report.py: the what-if table on a terminal and into a file."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from simulator.whatif import report
from simulator.whatif.spec import load_study
from simulator.whatif.sweep import sweep

from .conftest import ROOT


@pytest.fixture(scope="module")
def result():
    return sweep(load_study(ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"), runs=40, seed=7)


@pytest.mark.parametrize("width", [80, 100, 160])
def test_every_figure_is_whole_on_a_terminal_of_80_columns_and_more(result, width):
    out = io.StringIO()
    report.show(result, Console(file=out, width=width, force_terminal=True, color_system=None))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines[:-1]) <= width  # the last line is the soft-wrapped verdict
    text = out.getvalue()
    for variant in result.to_json()["variants"]:
        assert f"${variant['cost_usd']['mean']:.2f}" in text and f"${variant['cost_usd']['p95']:.2f}" in text
    assert "…" not in "".join(re.findall(r"\$[\d.]+[^\n]*", text))
    rows = [line.rstrip() for line in lines if re.search(r"\$\d+\.\d\d ±", line)]  # a variant's figures
    # nothing cropped on the right: a row with a left rule has its right one, a row without ends in its saving
    assert rows and all(row.endswith("│") if row.startswith("│") else row.endswith(("%", "baseline")) for row in rows)


def test_into_a_file_the_table_is_120_columns(result):
    out = io.StringIO()
    report.show(result, Console(file=out))
    assert max(len(line) for line in out.getvalue().splitlines()[:-1]) <= 120
    assert "┃ variant" in out.getvalue()  # the full table, rules and all
