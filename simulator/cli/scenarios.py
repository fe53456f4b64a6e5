"""``tjsim validate``, ``scenarios``, ``diagram`` and ``schema``: the scenario format and the
shipped scenarios on the command line. Heavy modules are imported when a command runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import source_of
from .edge import fail, main


@main.command("validate")
@click.argument("scenarios", nargs=-1, required=True)
def validate_command(scenarios: tuple[str, ...]) -> None:
    """Check scenario files and fleet what-if files (- for standard input); print one line per problem
    and exit 2 if any."""
    from .. import loading
    from ..errors import ScenarioError
    from ..fleet.whatif.spec import load_fleet
    from ..format.fleet import is_fleet
    from ..whatif.spec import load_study

    problems: list[str] = []
    for path in scenarios:
        try:
            if path != "-" and is_fleet(loading.read(path)[1]):
                load_fleet(path)  # its history read, every job under every variant compiled
            elif loading.load(path).whatif is not None:
                load_study(path)  # every variant is a scenario of its own
        except ScenarioError as err:
            problems += err.problems
        else:
            click.echo(f"{source_of(path)}: ok")
    if problems:
        fail(problems)


@main.command("scenarios")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def scenarios_command(folder: Path | None) -> None:
    """List the scenarios in FOLDER (default: the shipped ones), each with its description."""
    from .. import loading
    from ..errors import ScenarioError

    folder = folder or shipped_scenarios()
    if folder is None:
        fail(["the shipped scenarios are not installed here: give a FOLDER"])
    listed = []
    found = loading.scenario_files(folder)
    if not found:
        fail([f"{folder}: no scenarios here (*.yaml or *.yml files)"])
    for path in found:
        try:
            described = loading.load(path).description.strip()
        except ScenarioError as err:
            described = f"(invalid: {err.found[0]})"
        listed.append((path.stem, " ".join(described.split()) or "(no description)"))
    if not sys.stdout.isatty():  # one line per scenario, for grep and friends
        for name, described in listed:
            click.echo(f"{name:32s} {described}")
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table("scenario", "what it shows", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name, described in listed:
        table.add_row(name, described, end_section=True)
    Console().print(table)


def shipped_scenarios() -> Path | None:
    """The scenarios folder shipped with tjsim: ``scenarios/`` beside the package in a checkout, the
    package's ``scenarios`` (the same files, see pyproject.toml) when installed from a wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "scenarios", here / "scenarios"):
        if candidate.is_dir():
            return candidate
    return None


@main.command("diagram")
def diagram_command() -> None:
    """Print the state machine as a Mermaid state diagram."""
    from ..engine import lifecycle

    click.echo(lifecycle.mermaid())


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from ..format import scenario

    click.echo(json.dumps(scenario.json_schema(), indent=2))
