"""Durations given as a constant or a seeded distribution, as scenarios write them.

``120`` · ``{uniform: [94, 140]}`` · ``{normal: [600, 60]}`` · ``{lognormal: [6.4, 0.3]}`` ·
``{exponential: 300}`` (mean) · ``{choice: [10, 20, 30]}``. Samples are never negative.
"""

from __future__ import annotations

import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Uniform(BaseModel):
    model_config = _STRICT
    uniform: tuple[NonNegativeFloat, NonNegativeFloat]

    @model_validator(mode="after")
    def _ordered(self):
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("uniform bounds must be [low, high] with low <= high")
        return self

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(*self.uniform)


class Normal(BaseModel):
    """Normal(mean, sd), truncated at 0."""

    model_config = _STRICT
    normal: tuple[NonNegativeFloat, NonNegativeFloat]

    def sample(self, rng: random.Random) -> float:
        return max(0.0, rng.gauss(*self.normal))


class LogNormal(BaseModel):
    """exp(Normal(mu, sigma)): the usual shape of provisioning and pull times."""

    model_config = _STRICT
    lognormal: tuple[float, NonNegativeFloat]

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(*self.lognormal)


class Exponential(BaseModel):
    """Exponential with the given mean."""

    model_config = _STRICT
    exponential: PositiveFloat

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.exponential)


class Choice(BaseModel):
    model_config = _STRICT
    choice: Annotated[list[NonNegativeFloat], Field(min_length=1)]

    def sample(self, rng: random.Random) -> float:
        return rng.choice(self.choice)


Distribution = Uniform | Normal | LogNormal | Exponential | Choice
#: What a scenario may write wherever a duration (seconds) goes.
Duration = NonNegativeFloat | Distribution


def sample(duration: Duration, rng: random.Random) -> float:
    """One draw (seconds, to the millisecond like the service's timestamps) of ``duration``;
    a constant costs no draw."""
    if isinstance(duration, (int, float)):
        return float(duration)
    return round(duration.sample(rng), 3)
