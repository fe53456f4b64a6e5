"""How close the engine runs to the floor its libraries set.

The floor is one bare ``transitions`` trigger plus one bare ``simpy`` timeout per status change;
the engine is a whole job run to its end without recording (as a what-if sweep runs it), divided
by the status changes the job made. Each figure is the best of a few passes: on a shared machine
noise only adds time. Run: ``make bench``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import simpy
from transitions import Machine

from simulator import compile_plan, load, simulate

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5  #: each figure is the best of this many passes


def floor_per_transition(n: int = 50_000) -> float:
    machine = Machine(model=None, states=["A", "B"], transitions=[["go", "A", "B"], ["back", "B", "A"]],
                      initial=None, auto_transitions=False)
    go, back = machine.events["go"], machine.events["back"]

    class Model:
        state = "A"

    model = Model()
    env = simpy.Environment()

    def proc():
        for _ in range(n // 2):
            yield env.timeout(1)
            go.trigger(model)
            yield env.timeout(1)
            back.trigger(model)

    env.process(proc())
    start = time.perf_counter()
    env.run()
    return (time.perf_counter() - start) / n


#: every floor measured, between the passes: the figures are set against the best of them, so that
#: neither a slow moment of the floor nor the machine's drift over the run flatters them
FLOORS: list[float] = []


def floor_now() -> None:
    FLOORS.append(floor_per_transition(20_000))


def engine_per_transition(path: Path, runs: int, repeats: int = REPEATS) -> tuple[float, float]:
    """A sweep's own call, ``simulate``, on one worker: seconds per transition and per job, the best
    of ``repeats`` passes over the same replicates (a shared machine only ever adds time)."""
    plan = compile_plan(load(path))
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        floor_now()
        transitions = 0
        start = time.perf_counter()
        for i in range(runs):
            transitions += simulate(plan, seed=7, replicate=i).transitions
        elapsed = time.perf_counter() - start
        best = min(best, (elapsed / transitions, elapsed / runs))
    return best


def whatif_per_transition(path: Path, runs: int, repeats: int = REPEATS) -> dict[str, float]:
    """``tjsim whatif`` end to end on one worker, each figure the best of ``repeats`` passes: the sweep in
    this process — the engine, the aggregation and its sketches — per transition (``sweep``); the whole
    command as a user runs it — start-up, loading, the sweep and the report (``command``); its fixed
    cost, its time with one run a variant (``fixed``); transitions a run (``per_run``)."""
    from simulator.whatif.spec import load_study
    from simulator.whatif.sweep import sweep

    study = load_study(path)
    best = {"sweep": float("inf"), "command": float("inf"), "fixed": float("inf"), "per_run": 0.0}
    for _ in range(repeats):
        floor_now()
        start = time.perf_counter()
        transitions = sweep(study, runs=runs, seed=7).transitions
        best["sweep"] = min(best["sweep"], (time.perf_counter() - start) / transitions)
        elapsed, made = _command(path, runs)  # the command runs the scenario's own seed: its own transitions
        best["command"] = min(best["command"], elapsed / made)
        best["fixed"] = min(best["fixed"], _command(path, 1)[0])
        best["per_run"] = transitions / runs
    return best


def _command(path: Path, runs: int) -> tuple[float, int]:
    """``tjsim whatif PATH --runs RUNS --json`` in a process of its own: (seconds, transitions)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "simulator", "whatif", str(path), "--runs", str(runs), "--json"],
                          capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout)["transitions"]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for _ in range(REPEATS):
        floor_now()
    engine = {}
    for name in ("on-demand-completed", "spot-interrupted", "spot-random-interruptions", "internal-error-retried",
                 "whatif-spot-vs-on-demand"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        if path.exists():
            engine[name] = engine_per_transition(path, runs)
    path = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
    got = whatif_per_transition(path, runs)
    floor = min(FLOORS)
    print(f"floor: {floor * 1e6:.2f} µs per transition (bare transitions trigger + simpy timeout; the best of "
          f"{len(FLOORS)}, measured between the passes: {min(FLOORS) * 1e6:.2f}–{max(FLOORS) * 1e6:.2f})")
    for name, (per_transition, per_job) in engine.items():
        print(f"{name:28s} {per_transition * 1e6:6.2f} µs/transition {1 / per_transition:9,.0f} transitions/s "
              f"{1 / per_job:8,.0f} jobs/s  {per_transition / floor:4.2f}x floor")
    print(f"tjsim whatif {path.name}, {runs:,} runs a variant, end to end (goal: <= 1.0x floor):")
    for label, key in (("the sweep (engine + aggregation)", "sweep"), ("the whole command, start-up too", "command")):
        print(f"  {label:34s} {got[key] * 1e6:6.2f} µs/transition  {got[key] / floor:4.2f}x floor")
    # the command's fixed cost (start-up, loading, report: its time with one run) is paid once: from this
    # many runs the sweep's saving on the floor has paid for it
    even = got["fixed"] / (got["per_run"] * (floor - got["sweep"])) if got["sweep"] < floor else None
    print(f"  start-up, loading and report: {got['fixed']:.2f} s; the whole command is within the floor from "
          + (f"{even:,.0f} runs a variant" if even is not None else "no size: the sweep itself is above it"))


if __name__ == "__main__":
    main()
