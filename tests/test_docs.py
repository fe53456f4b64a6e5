"""Documentation that cannot rot."""

from __future__ import annotations

import re

import yaml

from simulator import parse
from simulator.engine import lifecycle
from simulator.format.scenario import Scenario
from simulator.format.settings import Checkpoint, Lifecycle, Spot, Timing

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
SEMANTICS = (ROOT / "docs" / "semantics.md").read_text()


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make run", "make test"]


def test_readme_diagram_is_the_current_table():
    assert re.search(r"```mermaid\n(.*?)\n```", README, re.S).group(1) == lifecycle.mermaid()


def test_readme_scenario_example_is_valid():
    example = re.search(r"## A scenario.*?```yaml\n(.*?)```", README, re.S).group(1)
    scenario = parse(yaml.safe_load(example), source="README.md")
    assert scenario.spot_enabled and len(scenario.events) == 2 and scenario.checkpoint.interval == 300


def test_every_inferred_choice_setting_is_documented():
    for model, section in ((Lifecycle, "lifecycle"), (Spot, "spot"), (Timing, "timing"), (Checkpoint, "checkpoint")):
        for name in model.model_fields:
            assert f"{section}.{name}" in SEMANTICS, f"{section}.{name} is not in docs/semantics.md"


def test_the_readme_names_every_section_and_every_setting():
    scenario_section = re.search(r"## A scenario(.*?)## The command line", README, re.S).group(1)
    for name in set(Scenario.model_fields) - {"whatif"}:  # whatif: has a section of its own
        assert re.search(rf"^{name}:", scenario_section, re.M), f"the README's example has no {name}:"
    assert "\nwhatif:\n" in README
    for model in (Timing, Spot, Checkpoint):
        for name in model.model_fields:
            assert f"`{name}`" in scenario_section or f"  {name}:" in scenario_section, name


def test_the_docs_cite_public_sources_only():
    for text in (README, SEMANTICS):
        assert "SEMANTICS" not in text and "shared/" not in text


def test_readme_python_example_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = re.search(r"## Engine API.*?```python\n(.*?)```", README, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.split()[0] in {"Completed", "Stopped", "MaxWaitTimeExceeded", "MaxRuntimeExceeded"}
