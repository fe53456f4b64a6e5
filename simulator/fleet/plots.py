"""Each instance type's measured durations against their fits: the empirical CDF as steps, the fitted
CDF as a line, one panel per timing setting (matplotlib, PNG)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from .calibrate import Calibration, Samples


def ecdf_plots(samples: dict[str, Samples], calibrations: dict[str, Calibration], folder: Path) -> list[Path]:
    """One PNG per instance type in ``folder`` (made if missing): the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, calibration in calibrations.items():
        keys = [k for k in calibration.timing if samples[name].values(k)]
        if not keys:
            continue
        columns = min(3, len(keys))
        rows = -(-len(keys) // columns)
        figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
        for axis, key in zip(axes.flat, keys, strict=False):
            values = np.sort(np.asarray(samples[name].values(key), dtype=float)) / 60
            fit = calibration.timing[key]
            steps = np.arange(1, len(values) + 1) / len(values)
            axis.step(values, steps, where="post", label=f"measured (n={len(values)})")
            grid = np.linspace(0, values.max() * 1.05, 400)
            axis.plot(grid, fit.cdf(grid * 60), label=_label(fit), linewidth=1.6)
            axis.set_title(key, fontsize=10)
            axis.set_xlabel("minutes")
            axis.set_ylim(0, 1.02)
            axis.grid(alpha=0.3)
            axis.legend(fontsize=7, loc="lower right")
        for axis in list(axes.flat)[len(keys):]:
            axis.set_visible(False)
        figure.suptitle(f"{name}: measured durations (ECDF) against the fitted distributions", fontsize=11)
        figure.tight_layout()
        path = folder / f"calibration-{re.sub(r'[^A-Za-z0-9.]+', '-', name)}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written


def _label(fit) -> str:
    if fit.family == "constant":
        return f"constant {fit.value:g} s"
    return f"{fit.family} (KS {fit.ks:.2f})"
