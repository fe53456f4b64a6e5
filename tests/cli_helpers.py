"""Running the command line from a test: in this process as a user's shell would see it (run), or
as a real process (subprocess_run); and a shipped scenario with one change, written to a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import yaml
from click.testing import CliRunner

from simulator.cli import main

from .conftest import ROOT

#: a valid scenario for the tests to break (scenario_with) or to run
GOOD = ROOT / "scenarios" / "on-demand-completed.yaml"


def run(*args: str, input: str | None = None) -> SimpleNamespace:
    """The command in this process, as a user's shell would see it: exit code, stdout, stderr. An
    exception that escapes the CLI's error edge fails the test (a user would see a traceback)."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, list(args), input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def subprocess_run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The command as a real process: ``python -m simulator``."""
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=ROOT,
                          **kwargs)


def scenario_with(tmp_path: Path, change) -> Path:
    """GOOD with ``change`` (a function of its data) applied, as ``tmp_path/bad.yaml``."""
    data = yaml.safe_load(GOOD.read_text())
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path
