"""The browser console's server side: its files (``console/``, in the wheel: no build step, nothing
fetched from elsewhere), the palette it draws with, and ``GET /_tjsim/jobs``, every job as a row of
the jobs list with the number of the newest event, so that the page follows the event stream from
there. Everything else the page does is a call any client could make: the AWS operations and the
``/_tjsim`` control API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import palette
from ..engine import snapshot
from ..engine.statuses import ON_INSTANCES
from . import control

if TYPE_CHECKING:
    from .backend import Backend

FILES = Path(__file__).with_name("console")  #: index.html, console.js, console.css


def jobs(backend: Backend) -> dict[str, Any]:
    """Every job as a row of the console's list, oldest first; the clock; the newest event's number."""
    backend.sync()
    return {"jobs": [row(json.loads(snapshot.wire_json(job))) for job in backend.sim.jobs.values()],
            "last": backend.feed.last, "epoch": backend.feed.epoch, "clock": control.clock_state(backend)}


def row(description: dict[str, Any]) -> dict[str, Any]:
    """A job's row from its description (a describe's, or an event's ``detail`` in milliseconds: the
    page makes rows of those the same way)."""
    resources = description.get("ResourceConfig", {})
    groups = resources.get("InstanceGroups") or []
    return {"TrainingJobName": description["TrainingJobName"], "TrainingJobStatus": description["TrainingJobStatus"],
            "SecondaryStatus": description.get("SecondaryStatus"),
            "InstanceType": resources.get("InstanceType") or ", ".join(g["InstanceType"] for g in groups),
            "InstanceCount": resources.get("InstanceCount") or sum(g["InstanceCount"] for g in groups),
            "Spot": bool(description.get("EnableManagedSpotTraining")),
            "CreationTime": description["CreationTime"], "TrainingEndTime": description.get("TrainingEndTime"),
            "LastModifiedTime": description.get("LastModifiedTime"),
            "TrainingTimeInSeconds": description.get("TrainingTimeInSeconds"),
            "BillableTimeInSeconds": description.get("BillableTimeInSeconds")}


def settings() -> dict[str, Any]:
    """What the page draws with: the palette of ``tjsim plot``."""
    return {"colours": palette.COLOURS, "unknown": palette.UNKNOWN, "billed": palette.BILLED,
            "interruption": palette.INTERRUPTION, "on_instances": sorted(ON_INSTANCES)}
