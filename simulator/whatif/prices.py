"""On-demand prices of SageMaker training instances and per-family spot assumptions: a shipped
table, each figure with its source and date.

The table is ``prices.yaml`` beside this module, per region. A region may be derived from another
(``derived``: its figures times a factor, per family where they differ), its own figures taking
precedence. A scenario overrides or adds prices in ``whatif.prices``; an instance type with neither
is an error that says how to give one. Spot jobs need no price of their own: their
BillableTimeInSeconds already carries the spot discount (``spot.price_ratio``), and cost is always
Billable seconds × InstanceCount × on-demand price / 3600.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

HOURS_PER_MONTH = 730  #: the Spot Instance Advisor's month, in hours (8,760 / 12)


@dataclass(frozen=True, slots=True)
class Price:
    instance_type: str
    region: str
    usd_per_hour: float | None  #: None: the type is priced nowhere public (give whatif.prices)
    source: str  #: where the figure comes from, with its date
    estimate: bool = False  #: derived, not read from a published figure


@dataclass(frozen=True, slots=True)
class SpotAssumption:
    """What the shipped sources suggest for a family's spot market: a starting range, not a forecast."""

    family: str
    band: tuple[float, float | None]  #: the Advisor's monthly share of instances reclaimed (None: open)
    price_ratio: tuple[float, float]  #: spot / on-demand

    @property
    def interruptions_per_instance_hour(self) -> tuple[float, float | None]:
        """The band as a Poisson rate per instance-hour: -ln(1 - share) / 730 h (None: no upper bound)."""
        low, high = self.band
        return _rate(low), None if high is None else _rate(high)


def _rate(share: float) -> float:
    return -math.log1p(-share) / HOURS_PER_MONTH


@cache
def table() -> dict[str, Any]:
    """The shipped table, as read from ``prices.yaml`` (by libyaml when PyYAML has it: six times faster,
    the same data: the file is ours)."""
    text = resources.files(__package__).joinpath("prices.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def family(instance_type: str) -> str:
    """``ml.g5.2xlarge`` -> ``g5``."""
    return instance_type.split(".")[1]


def _source(key: str) -> str:
    source = table()["sources"][key]
    return f"{' '.join(source['title'].split())} — {' '.join(source['where'].split())} ({source['date']})"


def regions() -> list[str]:
    return list(table()["regions"])


@cache
def priced(region: str) -> dict[str, Price]:
    """Every instance type the table prices in ``region``, its own figures over derived ones."""
    data = table()["regions"].get(region)
    if data is None:
        return {}
    found: dict[str, Price] = {}
    derived = data.get("derived")
    if derived is not None:
        for name, base in priced(derived["from"]).items():
            kind = family(name)
            if kind in derived.get("without", ()) or base.usd_per_hour is None:
                continue
            factor = derived.get("factors", {}).get(kind, derived["factor"])
            found[name] = Price(name, region, round(base.usd_per_hour * factor, 4), _source(derived["source"]), True)
    for name, entry in data["prices"].items():
        found[name] = Price(name, region, entry["usd"], _source(entry["source"]),
                            entry["source"].startswith("estimate") or entry["usd"] is None)
    return dict(sorted(found.items()))


def on_demand(instance_type: str, region: str) -> Price | None:
    """The shipped on-demand price of ``instance_type`` in ``region``, or None."""
    return priced(region).get(instance_type)


def known() -> list[str]:
    """The instance types the table prices in some region."""
    return sorted({name for region in regions() for name, p in priced(region).items() if p.usd_per_hour})


def spot_assumptions() -> list[SpotAssumption]:
    """The per-family spot assumptions, with :func:`spot_sources`."""
    return [SpotAssumption(name, tuple(entry["band"]), tuple(entry["price_ratio"]))
            for name, entry in table()["spot"]["families"].items()]


def spot_sources() -> list[str]:
    return [_source(key) for key in table()["spot"]["sources"]]
