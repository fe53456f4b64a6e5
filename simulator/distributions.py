"""Durations given as a constant or a seeded distribution, as scenarios write them.

``120`` · ``{uniform: [94, 140]}`` · ``{normal: [600, 60]}`` · ``{lognormal: [6.4, 0.3]}`` ·
``{exponential: 300}`` (mean) · ``{choice: [10, 20, 30]}``. Every draw is clamped to
[0, MAX_SECONDS] and rounded to the millisecond, like the service's timestamps.
"""

from __future__ import annotations

import random
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .limits import MAX_SECONDS  # a year: the service itself ends any job after 30 days [DOC]

STRICT = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]
SecondsPair = Annotated[list[Seconds], Field(min_length=2, max_length=2)]


class _Distribution(BaseModel):
    """A seeded distribution of seconds."""

    def sample(self, rng: random.Random) -> float:  # the raw draw
        raise NotImplementedError

    def draw(self, rng: random.Random) -> float:
        """One draw, kept within [0, MAX_SECONDS] and rounded to the millisecond."""
        return round(min(max(self.sample(rng), 0.0), MAX_SECONDS), 3)


class Uniform(_Distribution):
    """Uniform on [low, high]."""

    model_config = STRICT
    uniform: SecondsPair

    @model_validator(mode="after")
    def _ordered(self):
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("write [low, high] with low <= high")
        return self

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(*self.uniform)

    def draw(self, rng: random.Random) -> float:
        # rng.uniform's formula, inlined (the commonest draw of a sweep); the bounds are already valid
        low, high = self.uniform
        return round(low + (high - low) * rng.random(), 3)


class Normal(_Distribution):
    """Normal(mean, sd), clamped at 0: the mass below 0 lands on 0 (no duration is negative)."""

    model_config = STRICT
    normal: SecondsPair

    def sample(self, rng: random.Random) -> float:
        return rng.gauss(*self.normal)


class LogNormal(_Distribution):
    """exp(Normal(mu, sigma)): the usual shape of provisioning and pull times."""

    model_config = STRICT
    lognormal: Annotated[list[float], Field(min_length=2, max_length=2)]  # [mu, sigma]: mu may be negative

    @model_validator(mode="after")
    def _bounded(self):
        mu, sigma = self.lognormal
        if not (-20 <= mu <= 20 and 0 <= sigma <= 5):
            raise ValueError("write [mu, sigma] with -20 <= mu <= 20 and 0 <= sigma <= 5")
        return self

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(*self.lognormal)


class Exponential(_Distribution):
    """Exponential with the given mean."""

    model_config = STRICT
    exponential: Annotated[float, Field(gt=0, le=MAX_SECONDS)]

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.exponential)


class Choice(_Distribution):
    """One of the given values, equally likely."""

    model_config = STRICT
    choice: Annotated[list[Seconds], Field(min_length=1)]

    def sample(self, rng: random.Random) -> float:
        return rng.choice(self.choice)


Distribution = Uniform | Normal | LogNormal | Exponential | Choice
KINDS: dict[str, type[BaseModel]] = {"uniform": Uniform, "normal": Normal, "lognormal": LogNormal,
                                     "exponential": Exponential, "choice": Choice}
#: What a scenario may write wherever a duration (seconds) goes.
Duration = float | Distribution


def sample(duration: Duration, rng: random.Random) -> float:
    """One draw of ``duration`` (seconds, to the millisecond); a constant costs no draw and is
    returned as given (the scenario has already checked it)."""
    if duration.__class__ is float or duration.__class__ is int:
        return float(duration)
    return duration.draw(rng)
