"""Which story a created job lives: the scenario its ``tjsim:scenario`` tag names, else the server's
default scenario, else realistic defaults. A story gives a job its simulation settings (timings,
spot market, lifecycle choices, failures, scheduled events); the request gives everything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RequestError, ScenarioError
from ..format.scenario import Settings
from ..loading import load, scenario_files

TAG = "tjsim:scenario"


class Stories:
    """The scenarios of ``folder`` (``*.yaml``), by file name without the extension.

    Raises:
        ScenarioError: a scenario is invalid, or ``default`` is not one of them (at start-up).
    """

    def __init__(self, folder: Path | None = None, default: str | None = None):
        self.scenarios: dict[str, Settings] = {}
        problems: list[str] = []
        for path in scenario_files(folder) if folder is not None else ():
            try:
                self.scenarios[path.stem] = load(path)
            except ScenarioError as err:
                problems += err.problems  # each names its file
        if problems:
            raise ScenarioError("--scenarios", problems)
        if default is not None and default not in self.scenarios:
            raise ScenarioError("--default-scenario", [f"no scenario named {default!r} in "
                                                       f"{folder if folder is not None else 'the --scenarios folder'}"])
        self.default = default

    def __repr__(self) -> str:
        return f"<Stories {len(self.scenarios)} default={self.default!r}>"

    def resolve(self, tags: Any) -> tuple[str | None, Settings]:
        """(the story's name or None, its settings) for a CreateTrainingJob request's Tags.

        Raises:
            RequestError: the tag names no known scenario.
        """
        named = next((t.get("Value") for t in tags or () if isinstance(t, dict) and t.get("Key") == TAG), None)
        if named is not None:
            if named not in self.scenarios:
                known = ", ".join(sorted(self.scenarios)) or "none: start the server with --scenarios DIR"
                raise RequestError(f"tag {TAG}: no scenario named {named!r} (known: {known})")
            return named, self.scenarios[named]
        if self.default is not None:
            return self.default, self.scenarios[self.default]
        return None, Settings()
