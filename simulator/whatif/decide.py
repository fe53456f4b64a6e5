"""What to choose: the best decision under each setting of the assumptions, the decision that is best
across them (by its worst case), and how the chosen decision's savings move with each assumption.

A recommendation is always a decision — never an assumption: an optimistic market is not a choice.
The measure is the cost per completed job (every replicate's cost over those that completed), so a
cheap variant that MaxWait kills does not win by dying early; ``whatif.max_kill_share`` also rules
out a decision that kills more than that share of jobs (a fleet's entries give the larger of the
shares of its jobs and of its work).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .spec import Study


def decide(study: Study, variants: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"recommendation": ..., "sensitivity": [...]}`` from the variants' JSON entries (world-major)."""
    size, worlds = len(study.decisions), len(study.worlds)
    cell = [[variants[w * size + d] for d in range(size)] for w in range(worlds)]

    def eligible(entry: dict[str, Any]) -> bool:
        return entry["cost_per_completed_job_usd"] is not None and (
            study.max_kill_share is None or entry["kill_share"] <= study.max_kill_share)

    per_world = []
    for w in range(worlds):
        fit = [entry for entry in cell[w] if eligible(entry)]
        best = min(fit, key=_per_completed) if fit else None
        per_world.append({"assumptions": study.worlds[w], "decision": best and best["name"],
                          "cost_per_completed_job_usd": best and best["cost_per_completed_job_usd"],
                          "kill_share": best and best["kill_share"],
                          "savings_percent": best and _percent(best)})
    scores = []
    for d in range(size):
        column = [cell[w][d] for w in range(worlds)]
        if all(eligible(entry) for entry in column):
            worst = max(range(worlds), key=lambda w, c=column: _per_completed(c[w]))
            scores.append((_per_completed(column[worst]), d, worst))
    robust = None
    if scores:
        cost, d, worst = min(scores)
        column = [cell[w][d] for w in range(worlds)]
        robust = {"decision": study.decisions[d], "worst_case": {
            "assumptions": study.worlds[worst], "cost_per_completed_job_usd": cost,
            "kill_share": column[worst]["kill_share"], "savings_percent": _percent(column[worst])},
            "mean_cost_per_completed_job_usd": round(sum(map(_per_completed, column)) / worlds, 4)}
    data: dict[str, Any] = {"recommendation": {"per_assumption": per_world, "across_assumptions": robust}}
    if study.assumptions:
        data["sensitivity"] = _sensitivity(study, cell, robust)
    return data


def _per_completed(entry: dict[str, Any]) -> float:
    return entry["cost_per_completed_job_usd"]


def _percent(entry: dict[str, Any]) -> float:
    savings = entry.get("savings_vs_baseline")
    return 0.0 if savings is None else savings["percent"] or 0.0


def central(study: Study) -> list[int]:
    """Each assumption's middle value (its index): where the others are held while one moves."""
    return [len(values) // 2 for values in _values(study)]


def _values(study: Study) -> list[list[Any]]:
    found: list[list[Any]] = [[] for _ in study.assumptions]
    for world in study.worlds:
        for i, path in enumerate(study.assumptions):
            if world[path] not in found[i]:
                found[i].append(world[path])
    return found


def world_index(study: Study, indices: list[int]) -> int:
    """The world with the ``indices``-th value of each assumption (worlds are their product, in order)."""
    index = 0
    for count, i in zip(map(len, _values(study)), indices, strict=True):
        index = index * count + i
    return index


def _sensitivity(study: Study, cell: list[list[dict[str, Any]]], robust: dict[str, Any] | None
                 ) -> list[dict[str, Any]]:
    """As each assumption moves over its values, the others held at their middle value: every
    decision's saving per completed job against the baseline's (%), where a numeric assumption makes
    it cross zero (the decision stops paying), the best decision at each value and where it changes;
    and for the chosen decision (the best other than the baseline, if the baseline is chosen) its
    paired saving per job."""
    baseline = study.baseline
    chosen = study.decisions.index(robust["decision"]) if robust else None
    if chosen is None or chosen == baseline:
        others = [d for d in range(len(study.decisions)) if d != baseline]
        if not others:
            return []
        chosen = min(others, key=lambda d: max(_per_completed(row[d]) if row[d]["cost_per_completed_job_usd"]
                                               is not None else math.inf for row in cell))
    middle, rows = central(study), []
    for i, (path, values) in enumerate(zip(study.assumptions, _values(study), strict=True)):
        line = [cell[world_index(study, [*middle[:i], k, *middle[i + 1:]])] for k in range(len(values))]
        paired = [entry.get("savings_vs_baseline") or {} for entry in (row[chosen] for row in line)]
        by_decision = {}
        for d, name in enumerate(study.decisions):
            if d != baseline:
                saved = [_saved_per_completed(row[baseline], row[d]) for row in line]
                by_decision[name] = {"savings_percent": saved, "break_even": _break_even(values, saved)}
        best = [_best(study, row) for row in line]
        rows.append({"assumption": path, "values": values, "decision": study.decisions[chosen],
                     "savings_usd": [(p.get("usd") or {}).get("mean") for p in paired],
                     "savings_percent": [p.get("percent") for p in paired],
                     "break_even": by_decision[study.decisions[chosen]]["break_even"],
                     "by_decision": by_decision, "best": best, "switches": _switches(values, best, line, study)})
    return rows


def _saved_per_completed(base: dict[str, Any], entry: dict[str, Any]) -> float | None:
    """The saving per completed job against the baseline's, in %: what a finished model costs (a
    decision that never completes saves -100 % and more: None)."""
    ours, theirs = entry["cost_per_completed_job_usd"], base["cost_per_completed_job_usd"]
    if ours is None or not theirs:
        return None
    return round(100 * (theirs - ours) / theirs, 2)


def _best(study: Study, row: list[dict[str, Any]]) -> str | None:
    fit = [e for e in row if e["cost_per_completed_job_usd"] is not None
           and (study.max_kill_share is None or e["kill_share"] <= study.max_kill_share)]
    return min(fit, key=_per_completed)["name"] if fit else None


def _switches(values: list[Any], best: list[str | None], line: list[list[dict[str, Any]]], study: Study
              ) -> list[dict[str, Any]]:
    """Where the best decision changes between two neighbouring values: for numeric values, the value
    at which the two decisions' costs per completed job meet (linear between them)."""
    found = []
    order = sorted(range(len(values)), key=lambda k: values[k]) if all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values) else None
    ks = order if order is not None else list(range(len(values)))
    for a, b in itertools.pairwise(ks):
        if best[a] is None or best[b] is None or best[a] == best[b]:
            continue
        at = None
        if order is not None:
            da, db = study.decisions.index(best[a]), study.decisions.index(best[b])
            gap_a = _per_completed(line[a][da]) - _per_completed(line[a][db]) if line[a][db][
                "cost_per_completed_job_usd"] is not None else None
            gap_b = _per_completed(line[b][da]) - _per_completed(line[b][db]) if line[b][da][
                "cost_per_completed_job_usd"] is not None else None
            if gap_a is not None and gap_b is not None and gap_a != gap_b:
                at = round(values[a] + (values[b] - values[a]) * gap_a / (gap_a - gap_b), 6)
                if not min(values[a], values[b]) <= at <= max(values[a], values[b]):
                    at = None  # the costs do not cross in between: the best changed as one became ineligible
        found.append({"from": best[a], "to": best[b], "between": [values[a], values[b]], "at": at})
    return found


def _break_even(values: list[Any], savings: list[float | None]) -> float | None:
    """Where the savings cross zero between two numeric values (linear between them), or None. A
    saving of None (the decision never completed: a finished model costs without bound) counts as
    -100 %."""
    points = sorted((v, -100.0 if s is None else s) for v, s in zip(values, savings, strict=True)
                    if isinstance(v, int | float) and not isinstance(v, bool))
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if y0 == 0:
            return x0
        if (y0 > 0) != (y1 > 0):
            return round(x0 + (x1 - x0) * y0 / (y0 - y1), 6)
    return None
