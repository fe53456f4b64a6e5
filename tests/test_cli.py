"""The command line as a whole: help and version, a bad flag or command, what it imports to start,
writing its output to a full disk, and the Makefile's targets. Each command has its own module:
test_cli_replay.py, test_cli_validate.py, test_cli_whatif.py, test_cli_plot.py, test_cli_scenarios.py
(scenarios, diagram, schema) and test_cli_serve.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main

from .cli_helpers import run, subprocess_run
from .conftest import ROOT


def test_help_and_version_exit_0():
    assert run("--help").returncode == run("replay", "--help").returncode == run("--version").returncode == 0


@pytest.mark.parametrize("args, line", [
    (["nosuch"], "tjsim: No such command 'nosuch'. (see tjsim --help)"),
    (["replay"], "tjsim: replay: Missing argument 'SCENARIO'. (see tjsim replay --help)"),
    (["replay", "x.yaml", "--polll", "2"], "tjsim: replay: No such option '--polll'. Did you mean '--poll'? (see tjsim "
                                           "replay --help)"),
])
def test_a_bad_flag_or_command_is_one_line_exit_2(args, line):
    result = CliRunner().invoke(main, args, prog_name="tjsim")
    assert (result.exit_code, result.stderr) == (2, line + "\n")


def test_make_run_installs_what_running_needs_and_shows_progress(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("needs make")

    def dry(target: str) -> str:
        return subprocess.run([make, "-n", "-B", target, f"VENV={tmp_path}/venv"], capture_output=True, text=True,
                              cwd=ROOT, check=True).stdout

    installs = [line for line in dry("run").splitlines() if " install " in line]
    assert installs and not any("[test]" in line or " -q" in line for line in installs), installs
    assert any('".[test]"' in line for line in dry("test").splitlines())
    assert "-n auto" in dry("test")


def test_help_starts_without_the_heavy_modules():
    code = ("import sys; from simulator.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = ['botocore', 'pydantic', 'simpy', 'transitions', 'rich', 'matplotlib', 'yaml', 'starlette']\n"
            "print(' '.join(m for m in heavy if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ""
    help_text = " ".join(subprocess_run("replay", "--help").stdout.split())
    assert "For long jobs (thousands of interruptions) use --format compact or the table" in help_text


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["scenarios"]])
def test_help_and_version_meet_a_full_disk_with_one_line_too(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "simulator", *args], stdout=full, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT)
    assert (result.returncode, result.stderr) == (1, "tjsim: cannot write the output: No space left on device\n")
