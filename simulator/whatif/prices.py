"""On-demand prices of SageMaker training instances: a shipped table, each price with its source.

The table is ``prices.yaml`` beside this module (us-east-1). A scenario overrides or adds prices in
``whatif.prices``; an instance type with neither is an error that says how to give one. Spot jobs
need no price of their own: their BillableTimeInSeconds already carries the spot discount
(``spot.price_ratio``), and cost is always Billable seconds × InstanceCount × on-demand price / 3600.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Price:
    instance_type: str
    region: str
    usd_per_hour: float
    source: str  #: where the figure comes from, with its date


@cache
def table() -> dict[str, Any]:
    """The shipped table, as read from ``prices.yaml``."""
    return yaml.safe_load(resources.files(__package__).joinpath("prices.yaml").read_text(encoding="utf-8"))


def on_demand(instance_type: str, region: str) -> Price | None:
    """The shipped on-demand price of ``instance_type`` in ``region``, or None."""
    data = table()
    if region != data["region"]:
        return None
    entry = data["prices"].get(instance_type)
    if entry is None:
        return None
    source = data["sources"][entry["source"]]
    return Price(instance_type, region, float(entry["usd"]), f"{source['title']} ({source['date']})")


def known() -> list[str]:
    """The instance types the table prices."""
    return sorted(table()["prices"])
