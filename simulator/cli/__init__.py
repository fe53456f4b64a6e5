"""The ``tjsim`` command: the group and its error edge (:mod:`.edge`), and one module per command,
each registering itself on the group. Commands import what they need when they run, so
``tjsim --help`` starts fast."""

from __future__ import annotations

from . import calibrate, history, plot, prices, replay, scenarios, serve, whatif  # noqa: F401  the commands register themselves on main
from .edge import main

__all__ = ["main", "run"]


def run() -> None:
    """Console-script entry point."""
    main()
