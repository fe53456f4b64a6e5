"""The ``tjsim`` command. Errors from tjsim are caught once, here: one line each, exit 2."""

from __future__ import annotations

import sys

import click

from .. import loading
from ..errors import ScenarioError, TjsimError
from ..scenario import Scenario


def fail(lines: list[str]) -> None:
    """Print each line as ``tjsim: <line>`` on stderr and exit 2."""
    for line in lines:
        click.echo(f"tjsim: {line}", err=True)
    sys.exit(2)


def load(path: str) -> Scenario:
    try:
        return loading.load(path)
    except ScenarioError as err:
        fail(err.problems)
    raise AssertionError("unreachable")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tjsim")
def main() -> None:
    """tjsim: AWS SageMaker training jobs, simulated: statuses, timings and billing over time."""


from . import plot, replay, serve, whatif  # noqa: E402,F401  the commands register themselves on main


def run() -> None:
    """Console-script entry point: tjsim's own errors become one line and exit 2."""
    try:
        main()
    except TjsimError as err:
        fail(str(err).splitlines())
