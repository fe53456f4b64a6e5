"""What a fleet sweep found, as JSON: per variant the fleet's cost with its interval, the savings
against what the history actually cost and, paired, against the baseline, the jobs limits would
kill, the figures by instance type, and the jobs that save most and risk most; then the decision
to take (:mod:`..decide`, as for one job: per completed job, so that a decision does not win by
killing jobs early)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from ...whatif import decide
from ...whatif.spec import COST_UNITS_PER_USD
from ...whatif.sweep import KILLED, QUANTILES, paired
from .spec import FleetStudy, FleetVariant
from .sweep import FleetStats

#: jobs each per-job table lists
TOP = 5


@dataclass(frozen=True, slots=True)
class FleetResult:
    study: FleetStudy
    seed: int
    runs: int
    stats: tuple[FleetStats, ...]
    quantiles: tuple[float, ...] = QUANTILES

    @property
    def transitions(self) -> int:
        return sum(s.transitions for s in self.stats)

    @property
    def history_usd(self) -> float:
        return sum(self.study.history_units) / COST_UNITS_PER_USD

    def to_json(self) -> dict[str, Any]:
        """The result as JSON data: nothing in it depends on the wall clock or on how it was run."""
        study = self.study
        variants = [self._variant(i, v, s) for i, (v, s) in enumerate(zip(study.variants, self.stats, strict=True))]
        data = {"tool": "tjsim", "version": version("tjsim"), "fleet": study.source, "fleet_sha256": study.sha256,
                "seed": self.seed, "runs": self.runs, "jobs": len(study.jobs), "left_out": study.left_out,
                "uncalibrated_types": list(study.uncalibrated),
                "history_cost_usd": round(self.history_usd, 2) if study.history_known else None,
                "baseline": study.decisions[study.baseline],
                "grid": list(study.grid), "assumptions": list(study.assumptions), "quantiles": list(self.quantiles),
                "transitions": self.transitions, "variants": variants}
        data.update(decide.decide(study, variants))  # type: ignore[arg-type]
        return data

    def _variant(self, index: int, variant: FleetVariant, stats: FleetStats) -> dict[str, Any]:
        study, runs = self.study, self.runs
        job_runs = runs * len(study.jobs)
        killed = {ending: n for ending in KILLED if (n := stats.outcomes.get(f"Stopped/{ending}", 0))}
        killed_jobs = sum(killed.values()) / job_runs
        # shares of the fleet's work, each job weighted by what its training is worth: killing one big job
        # weighs what it is worth, not one job in many
        worth = sum(study.value_units) or 1
        done = sum(v * n for v, n in zip(study.value_units, stats.job_completed, strict=True)) / runs / worth
        lost = sum(v * n for v, n in zip(study.value_units, stats.job_killed, strict=True)) / runs / worth
        cost = stats.cost.report(1 / COST_UNITS_PER_USD, 2, self.quantiles)
        history = sum(study.history_units)
        entry: dict[str, Any] = {
            "name": variant.name,
            "assumptions": study.worlds[variant.world],
            "overrides": variant.overrides,
            "instance_types": variant.moves,
            "warm_pools_shared": variant.pooled,
            "warm_starts_per_fleet": round(stats.warm_starts / runs, 3),  #: jobs that took over an earlier one's pool
            "outcomes": dict(sorted(stats.outcomes.items())),
            "ended_by": {key.split("/", 1)[1]: round(n / job_runs, 6) for key, n in sorted(stats.outcomes.items())},
            # what whatif.max_kill_share bounds: the larger of the share of job-runs and the share of the
            # fleet's work (each job weighted by its worth) ended by MaxWait or MaxRuntime
            "kill_share": round(max(lost, killed_jobs), 6),
            "killed_job_share": round(killed_jobs, 6),
            "killed_work_share": round(lost, 6),
            "completed_work_share": round(done, 6),
            "jobs_killed_per_fleet": {ending: round(n / runs, 3) for ending, n in killed.items()},
            "never_ended": stats.never_ended,
            "cost_usd": cost,  #: the fleet's, per replicate
            # what a finished job costs: the fleet's cost per job over the share of its work completed
            "cost_per_completed_job_usd": (round(stats.cost.total / runs / len(study.jobs) / done / COST_UNITS_PER_USD,
                                                 4) if done else None),
            "savings_vs_history": _against(history, stats) if study.history_known else None,
            "interruptions_per_job": round(stats.interruptions / job_runs, 4),
            "checkpoint_write_seconds_mean": round(stats.writing / 1000 / job_runs, 1),
            "by_instance_type": self._by_type(variant, stats),
            "jobs_table": self._jobs(variant, stats),
        }
        baseline = study.baseline_of(index)
        if index != baseline:
            entry["savings_vs_baseline"] = paired(stats.savings, self.stats[baseline].cost, 2)
        return entry

    def _by_type(self, variant: FleetVariant, stats: FleetStats) -> dict[str, Any]:
        """Per instance type the jobs ran on in the history: jobs, what they cost then, their mean
        cost per replicate under the variant, the saving, and the share of their runs killed."""
        groups: dict[str, list[int]] = defaultdict(list)
        for j, job in enumerate(self.study.jobs):
            groups[job.instance_type].append(j)
        found = {}
        for kind, members in sorted(groups.items()):
            known = not any(self.study.jobs[j].listed for j in members)  # no history, no cost to save against
            history = sum(self.study.history_units[j] for j in members) / COST_UNITS_PER_USD
            cost = sum(stats.job_cost[j] for j in members) / self.runs / COST_UNITS_PER_USD
            moved = variant.moves.get(kind)
            found[kind] = {"jobs": len(members), **({"moved_to": moved} if moved else {}),
                           "history_usd": round(history, 2) if known else None, "cost_usd": round(cost, 2),
                           "savings_usd": round(history - cost, 2) if known else None,
                           "killed_job_share": round(sum(stats.job_killed[j] for j in members) / self.runs /
                                                     len(members), 6)}
        return found

    def _jobs(self, variant: FleetVariant, stats: FleetStats) -> dict[str, list[dict[str, Any]]]:
        """The jobs that save most against their history, and those at most risk: the largest share of
        runs killed by a limit, then the largest extra cost."""
        rows = []
        for j, job in enumerate(self.study.jobs):
            history = self.study.history_units[j] / COST_UNITS_PER_USD
            cost = stats.job_cost[j] / self.runs / COST_UNITS_PER_USD
            known = not job.listed
            rows.append({"job": job.name, "where": job.where, "instance_type": job.instance_type,
                         "history_usd": round(history, 2) if known else None, "cost_usd": round(cost, 2),
                         "savings_usd": round(history - cost, 2) if known else None,
                         "kill_share": round(stats.job_killed[j] / self.runs, 4),
                         "completed_share": round(stats.job_completed[j] / self.runs, 4)})
        # a job saves by finishing for less, not by being killed early: savers are jobs no limit killed
        savers = sorted((r for r in rows if not r["kill_share"] and r["savings_usd"] is not None),
                        key=lambda r: (-r["savings_usd"], r["job"]))[:TOP]
        # the killed, then those that cost more than they did
        risks = sorted((r for r in rows if r["kill_share"] or (r["savings_usd"] or 0) < 0),
                       key=lambda r: (-r["kill_share"], r["savings_usd"] or 0, r["job"]))[:TOP]
        return {"largest_savings": savers, "worst_risks": risks}


def _against(history: int, stats: FleetStats) -> dict[str, Any] | None:
    """What the history cost less the variant's fleet cost, with the interval of that difference."""
    if not stats.cost.n:
        return None
    ci = stats.cost.ci95()
    def usd(cost: float) -> float:
        return round((history - cost) / COST_UNITS_PER_USD, 2)

    return {"usd": {"mean": usd(stats.cost.mean), "ci95": None if ci is None else [usd(ci[1]), usd(ci[0])]},
            "percent": round(100 * (history - stats.cost.mean) / history, 2) if history else None}
