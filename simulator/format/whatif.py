"""The ``whatif:`` section of a scenario, as written: variants, the baseline, a grid, prices.

Only its shape is checked here; :mod:`simulator.whatif.spec` lays each variant over the scenario
(:func:`.overlay.overlay`), which validates the result as a scenario of its own.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from .. import service
from ..shapes import did_you_mean
from .settings import OVERRIDABLE, override_type

VariantName = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S[^\n\r\t]*$")]


class _Variant(BaseModel):
    """A name and overrides deep-merged into the scenario (``null`` removes a member)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    name: VariantName

    def overrides(self) -> dict[str, Any]:
        """The sections this variant sets, as written."""
        return {section: getattr(self, section) for section in OVERRIDABLE if section in self.model_fields_set}


#: a variant: its name, and each section it may override (``null``: the section removed)
Variant = create_model("Variant", __base__=_Variant, __doc__=_Variant.__doc__, __module__=__name__,
                       **{section: (override_type(section) | None, None) for section in OVERRIDABLE})


class WhatIf(BaseModel):
    """What to compare: ``variants`` (and a ``grid`` of dotted scenario paths to values, whose
    cartesian product adds one variant per point), each against ``baseline``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    baseline: VariantName
    variants: list[Variant] = []
    #: dotted scenario path (``checkpoint.interval``) -> the values to try
    grid: dict[Annotated[str, Field(pattern=r"^[A-Za-z_]+(\.[A-Za-z0-9_:-]+)+$")],
               Annotated[list[Any], Field(min_length=1, max_length=1000)]] = {}
    #: on-demand USD per instance-hour, overriding the shipped table (simulator/whatif/prices.yaml)
    prices: dict[str, Annotated[float, Field(ge=0.000001, le=10_000, allow_inf_nan=False)]] = {}

    @model_validator(mode="after")
    def _named_once(self) -> WhatIf:
        if not self.variants and not self.grid:
            raise ValueError("give at least one variant (variants:) or a grid (grid:)")
        unknown = sorted(set(self.prices) - set(_instance_types()))
        if unknown:
            hint = did_you_mean(unknown[0], _instance_types())
            raise ValueError(f"prices: {unknown[0]!r} is not a SageMaker training instance type"
                             f"{f' ({hint})' if hint else ''}")
        names = [v.name for v in self.variants]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"variant names must be unique: {', '.join(duplicates)} given more than once")
        return self


def _instance_types() -> list[str]:
    return service.enum("TrainingInstanceType")
