"""``tjsim scenarios``, ``diagram`` and ``schema`` (simulator/cli/scenarios.py); ``validate``, the
fourth command there, has test_cli_validate.py."""

from __future__ import annotations

import json

import yaml

from .cli_helpers import run, subprocess_run
from .conftest import ROOT, SCENARIOS


def test_scenarios_lists_every_shipped_scenario_with_its_description():
    lines = run("scenarios").stdout.splitlines()
    assert [line.split()[0] for line in lines] == [p.stem for p in SCENARIOS]
    first = yaml.safe_load(SCENARIOS[0].read_text())["description"].split()
    assert lines[0].split()[1:] == first


def test_scenarios_of_a_folder_says_which_are_invalid(tmp_path):
    (tmp_path / "good.yaml").write_text((ROOT / "scenarios" / "spot-interrupted.yaml").read_text())
    (tmp_path / "bad.yaml").write_text("job: {}\n")
    lines = run("scenarios", str(tmp_path)).stdout.splitlines()
    assert lines[0].startswith("bad ") and "(invalid: " in lines[0] and lines[1].startswith("good ")


def test_diagram_and_schema_print_what_the_engine_and_the_format_hold():
    from simulator.engine import lifecycle

    assert run("diagram").stdout == lifecycle.mermaid() + "\n"
    schema = json.loads(run("schema").stdout)
    assert {"job", "timing", "spot", "checkpoint", "lifecycle"} <= set(schema["properties"])


def test_python_dash_m_and_diagram_and_schema():
    diagram = subprocess_run("diagram")
    assert diagram.returncode == 0 and "stateDiagram-v2" in diagram.stdout
    schema = json.loads(run("schema").stdout)
    assert schema["properties"]["job"]["$ref"] == "#/$defs/CreateTrainingJobRequest"
    assert "timing" in schema["properties"]


def test_a_folder_without_scenarios_is_one_line(tmp_path):
    result = run("scenarios", str(tmp_path))
    assert (result.returncode, result.stderr) == (2, f"tjsim: {tmp_path}: no scenarios here (*.yaml or *.yml files)\n")
    (tmp_path / "short.yml").write_text((ROOT / "scenarios" / "updated.yaml").read_text())
    assert run("scenarios", str(tmp_path)).stdout.startswith("short ")


def test_the_wheel_ships_every_package_and_the_scenarios():
    """pyproject.toml lists the packages by hand (the scenarios travel as simulator.scenarios): a new
    subpackage must be added there."""
    import tomllib

    from simulator.cli.scenarios import shipped_scenarios

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "simulator").rglob("__init__.py")}
    assert set(setuptools["packages"]) == found | {"simulator.scenarios"}
    assert setuptools["package-dir"] == {"simulator.scenarios": "scenarios"}
    assert shipped_scenarios() == ROOT / "scenarios"
