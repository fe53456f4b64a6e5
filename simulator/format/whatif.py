"""The ``whatif:`` section of a scenario, as written: the decisions to compare (named variants and
a grid), the assumptions to compare them under, the baseline, prices.

A *decision* is what the user chooses: the request (instance type and count, spot, limits, warm
pool, CheckpointConfig) and how often to checkpoint. Everything else — the spot market, phase
timings, failure rates, instance speeds, the cost of a checkpoint write, the service's behaviour —
is an *assumption*: what the user does not know, and must not be recommended. Decisions go in
``variants`` and ``grid``; assumptions in ``assumptions``, each decision being run under every
combination of them. :func:`is_decision` draws the line.

Only the section's shape is checked here; :mod:`simulator.whatif.spec` lays each variant over the
scenario (:func:`.overlay.overlay`), which validates the result as a scenario of its own.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from .. import service
from ..distributions import KINDS as _KINDS
from ..errors import ProblemAt
from ..shapes import did_you_mean
from .settings import OVERRIDABLE, RENAMED_PATHS, override_type

VariantName = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^\S[^\n\r\t]*$")]
#: a dotted scenario path: ``checkpoint.interval``, ``job.ResourceConfig.InstanceType``,
#: ``speed.ml.g4dn.xlarge`` (an instance type's dots stay in it)
Path = Annotated[str, Field(pattern=r"^[A-Za-z_]+(\.[A-Za-z0-9_:-]+)+$")]
Values = Annotated[list[Any], Field(min_length=1, max_length=1000)]

#: the assumptions: a dotted path under one of these is not the user's to choose; any other (the
#: request under ``job``, ``checkpoint.interval``) is a decision
ASSUMPTIONS = ("spot", "timing", "failures", "speed", "lifecycle", "checkpoint.write", "events", "metrics", "rules")
#: sections whose keys are instance types, dots and all: ``speed.ml.g4dn.xlarge`` is one key below ``speed``
KEYED_BY_TYPE = ("speed",)


def is_decision(path: str) -> bool:
    """Whether the dotted scenario ``path`` (under its new name, if it moved) is the user's choice
    (else: an assumption)."""
    path = RENAMED_PATHS.get(path, path)
    # an assumption, under one, or above one (a variant's ``checkpoint: null`` would reset checkpoint.write)
    return not any(path == a or path.startswith(f"{a}.") or a.startswith(f"{path}.") for a in ASSUMPTIONS)


def split(path: str) -> list[str]:
    """A dotted path's keys: ``speed.ml.g5.xlarge`` -> ``["speed", "ml.g5.xlarge"]``."""
    head, _, rest = path.partition(".")
    return [head, rest] if head in KEYED_BY_TYPE else path.split(".")


def paths(overrides: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths an override sets, down to values (a distribution or a list is a value)."""
    found = []
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not (len(value) == 1 and next(iter(value)) in _KINDS):
            found += paths(value, f"{path}.")
        else:
            found.append(path)
    return found


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
    """What to compare: the decisions ``variants`` (and a ``grid`` of dotted scenario paths to
    values, whose cartesian product adds one decision per point), each against ``baseline``, under
    every combination of the ``assumptions``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    baseline: VariantName
    variants: list[Variant] = []
    #: decisions: dotted scenario path (``checkpoint.interval``) -> the values to try
    grid: dict[Path, Values] = {}
    #: assumptions: dotted scenario path (``spot.interruptions_per_instance_hour``) -> the values (or
    #: distributions, drawn per replicate) to run every decision under
    assumptions: dict[Path, Annotated[list[Any], Field(min_length=1, max_length=100)]] = {}
    #: never recommend a decision that ends more than this share of jobs by MaxWait or MaxRuntime (in a fleet,
    #: nor more than this share of its work: each job weighted by what its training is worth)
    max_kill_share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    #: on-demand USD per instance-hour, overriding the shipped table (simulator/whatif/prices.yaml)
    prices: dict[str, Annotated[float, Field(ge=0.000001, le=10_000, allow_inf_nan=False)]] = {}

    @model_validator(mode="after")
    def _named_once(self) -> WhatIf:
        if not self.variants and not self.grid:
            raise ValueError("give at least one variant (variants:) or a grid (grid:)")
        for path in self.grid:
            if not is_decision(path):
                raise ProblemAt(f"grid.{path}", "an assumption, not a decision: list its values under "
                                                "whatif.assumptions, where every decision is compared under each")
        for path, values in self.assumptions.items():
            twice = [v for i, v in enumerate(values) if v in values[:i]]
            if twice:
                raise ProblemAt(f"assumptions.{path}", f"{twice[0]!r} is listed twice")
            if is_decision(path):
                raise ProblemAt(f"assumptions.{path}", "a decision (the request, or checkpoint.interval), not an "
                                                       "assumption: list its values under whatif.grid")
        for i, variant in enumerate(self.variants):
            assumed = [p for p in paths(variant.overrides()) if not is_decision(p)]
            if assumed:
                held = [a for a in ASSUMPTIONS if a.startswith(f"{assumed[0]}.")]
                what = f"which holds an assumption ({held[0]})" if held else "an assumption"
                raise ProblemAt(f"variants[{i}]", f"{variant.name!r} sets {assumed[0]}, {what}: a variant is a "
                                f"decision; list the assumption's values under whatif.assumptions, where every "
                                f"decision is compared under each")
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
