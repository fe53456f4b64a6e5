"""``tjsim plot`` from the command line (simulator/cli/plot.py): it writes a PNG, and only a PNG.
What the picture draws: test_plots.py."""

from __future__ import annotations

from click.testing import CliRunner

from simulator.cli import main

from .cli_helpers import run
from .conftest import ROOT


def test_plot_writes_png_only(tmp_path):
    result = run("plot", str(ROOT / "scenarios" / "updated.yaml"), "--out", str(tmp_path / "t.jpg"))
    assert (result.returncode, result.stderr) == (
        2, f"tjsim: --out {tmp_path / 't.jpg'}: tjsim draws PNG images: give a name ending in .png\n")


def test_plot_writes_a_timeline_png(tmp_path):
    out = tmp_path / "timeline.png"
    result = CliRunner().invoke(main, ["plot", str(ROOT / "scenarios" / "spot-interrupted.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the PNG signature
