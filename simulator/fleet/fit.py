"""A distribution the scenario format knows, fitted to measured durations by maximum likelihood
(scipy.stats): a constant, ``uniform``, ``normal``, ``lognormal`` or ``exponential``, chosen by AIC,
with 95 % intervals for its parameters and the Kolmogorov-Smirnov distance as its goodness of fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

Z95 = 1.959963984540054
#: at least this many values to fit a shape; fewer give their mean as a constant, said to be thin
ENOUGH = 8


@dataclass(frozen=True)
class Fit:
    """A fitted distribution: ``family``, its parameters as the scenario format writes them (``value``),
    their 95 % intervals, the log-likelihood, AIC, KS distance and p-value, and how many values."""

    family: str
    value: Any  #: what a scenario writes: a number, or ``{family: params}``
    intervals: list[list[float]]  #: per parameter, [low, high]
    log_likelihood: float
    aic: float
    ks: float
    ks_p: float
    n: int
    candidates: dict[str, float]  #: AIC of every family tried

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return _frozen(self.family, self.value).cdf(x) if self.family != "constant" else (x >= self.value) * 1.0

    def report(self) -> dict[str, Any]:
        """As JSON: what is not a number (a constant's fit figures, one value's interval) is null."""
        return {"family": self.family, "value": self.value, "n": self.n,
                "ci95": [[_number(lo), _number(hi)] for lo, hi in self.intervals],
                "ks": _number(self.ks, 4), "ks_p": _number(self.ks_p, 4), "aic": _number(self.aic, 2),
                "candidates": {k: round(v, 2) for k, v in self.candidates.items()}}


def _number(value: float, digits: int = 3) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def fit(values: list[float] | np.ndarray, censored: list[float] | np.ndarray = ()) -> Fit | None:
    """The best of the format's families for ``values`` (seconds, all ≥ 0), or None without values.
    Equal values, or fewer than :data:`ENOUGH`, give a constant (their mean).

    ``censored``: values known only to be at least this (a job that failed or was stopped before it
    finished training): fitted as right-censored (scipy's ``CensoredData``), else leaving them out
    would favour short values. The intervals then count the exact values alone [INF: an
    approximation, wider than the censored fit's own]."""
    x, c = np.asarray(values, dtype=float), np.asarray(censored, dtype=float)
    n = len(x)
    if n == 0:
        return None
    mean = float(x.mean())
    if n < ENOUGH or float(x.std()) <= 1e-9 * max(abs(mean), 1.0):
        half = Z95 * float(x.std(ddof=1)) / math.sqrt(n) if n > 1 else math.inf
        return Fit("constant", round(mean, 3), [[round(mean - half, 3), round(mean + half, 3)]], math.nan, math.nan,
                   math.nan, math.nan, n, {})
    tried = {}
    for family in ("uniform", "normal", "lognormal", "exponential"):
        if (family == "lognormal" and (x <= 0).any()) or (family == "uniform" and len(c)):
            continue
        params, intervals = _mle(family, x) if not len(c) else _censored(family, x, c)
        frozen = _frozen(family, params)
        loglik = float(frozen.logpdf(x).sum() + (frozen.logsf(c).sum() if len(c) else 0.0))
        if math.isfinite(loglik):
            tried[family] = (params, intervals, loglik, 2 * len(_flat(params)) - 2 * loglik)
    family = min(tried, key=lambda f: tried[f][3])
    params, intervals, loglik, aic = tried[family]
    ks = stats.kstest(x, _frozen(family, params).cdf)
    return Fit(family, params, intervals, loglik, aic, float(ks.statistic), float(ks.pvalue), n,
               {f: t[3] for f, t in tried.items()})


def _mle(family: str, x: np.ndarray) -> tuple[Any, list[list[float]]]:
    """The maximum-likelihood parameters, as the format writes them, and their 95 % intervals
    (exact for the exponential's mean and the uniform's ends, asymptotic for the others)."""
    n = len(x)
    if family == "uniform":
        least, most = float(x.min()), float(x.max())
        widen = (most - least) / (n - 1)  # the unbiased ends: the sample's fall short of the true ones
        low, high = math.floor((least - widen) * 1000) / 1000, math.ceil((most + widen) * 1000) / 1000
        slack = (most - least) * math.log(40) / n  # P(min - a > t) = (1 - t/range)^n: 97.5 % within this
        return {"uniform": [low, high]}, [[round(least - slack, 3), least], [most, round(most + slack, 3)]]
    if family == "normal":
        mean, sd = float(x.mean()), float(x.std())
        return {"normal": [round(mean, 3), round(sd, 3)]}, [_around(mean, sd / math.sqrt(n)),
                                                            _around(sd, sd / math.sqrt(2 * n))]
    if family == "lognormal":
        logs = np.log(x)
        mu, sigma = float(logs.mean()), float(logs.std())
        return {"lognormal": [round(mu, 4), round(sigma, 4)]}, [_around(mu, sigma / math.sqrt(n), 4),
                                                                 _around(sigma, sigma / math.sqrt(2 * n), 4)]
    mean = float(x.mean())  # exponential: 2 n mean / θ is χ² with 2n degrees of freedom
    return {"exponential": round(mean, 3)}, [[round(float(2 * n * mean / stats.chi2.ppf(0.975, 2 * n)), 3),
                                              round(float(2 * n * mean / stats.chi2.ppf(0.025, 2 * n)), 3)]]


def _censored(family: str, x: np.ndarray, c: np.ndarray) -> tuple[Any, list[list[float]]]:
    """The maximum-likelihood parameters with right-censored values, and intervals as :func:`_mle`'s for
    the exact values alone."""
    data = stats.CensoredData(uncensored=x, right=c)
    n = len(x)
    if family == "normal":
        mean, sd = stats.norm.fit(data)
        return {"normal": [round(float(mean), 3), round(float(sd), 3)]}, [_around(mean, sd / math.sqrt(n)),
                                                                          _around(sd, sd / math.sqrt(2 * n))]
    if family == "lognormal":
        sigma, _, scale = stats.lognorm.fit(data, floc=0)
        mu = math.log(scale)
        return {"lognormal": [round(mu, 4), round(float(sigma), 4)]}, [_around(mu, sigma / math.sqrt(n), 4),
                                                                        _around(sigma, sigma / math.sqrt(2 * n), 4)]
    _, mean = stats.expon.fit(data, floc=0)
    return {"exponential": round(float(mean), 3)}, [[round(float(2 * n * mean / stats.chi2.ppf(0.975, 2 * n)), 3),
                                                     round(float(2 * n * mean / stats.chi2.ppf(0.025, 2 * n)), 3)]]


def _around(value: float, se: float, digits: int = 3) -> list[float]:
    return [round(float(value - Z95 * se), digits), round(float(value + Z95 * se), digits)]


def _flat(params: Any) -> list[float]:
    inner = next(iter(params.values()))
    return inner if isinstance(inner, list) else [inner]


def _frozen(family: str, value: Any) -> Any:
    """scipy's distribution for the format's ``{family: params}``."""
    p = value[family]
    if family == "uniform":
        return stats.uniform(loc=p[0], scale=max(p[1] - p[0], 1e-12))
    if family == "normal":
        return stats.norm(loc=p[0], scale=max(p[1], 1e-12))
    if family == "lognormal":
        return stats.lognorm(s=max(p[1], 1e-12), scale=math.exp(p[0]))
    return stats.expon(scale=p)
