"""How close the engine, and ``tjsim whatif`` end to end, run to the floor their libraries set.

The floor is one bare ``transitions`` trigger plus one bare ``simpy`` timeout per status change;
the engine is a whole job run to its end without recording (as a what-if sweep runs it), divided
by the status changes the job made.

This machine is shared: within one run the floor itself moves by a factor of two, in bursts, and
process CPU time moves with it. A figure set against a floor taken at another moment measures the
machine, not the code. So every figure is paired: each sample of the code is taken between two
samples of the floor, a few tens of milliseconds each, and set against their mean (an A-B-A design).
(Sampling the floor between a long sample's chunks instead slowed the code after each, by some 10 %.)
A figure is the median of its samples' ratios, with the spread of the middle 80 %. Run: ``make bench``.
"""

from __future__ import annotations

import io
import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

import simpy
from rich.console import Console
from transitions import Machine

from simulator import compile_plan, load, simulate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 25  #: paired samples of each short figure (the whole commands take fewer)
#: every sample draws with a seed of its own: it never meets the replicates an earlier one drew, whose
#: first draws its thread remembers (:class:`simulator.engine.streams.Streams`), as a sweep never does
SEEDS = itertools.count(7)
FLOOR_SAMPLE = 5_000  #: transitions in one sample of the floor (about as long as a sample of the code)
T = TypeVar("T")


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


class Figure:
    """Paired samples of one measure: seconds per transition, and each over the floor beside it."""

    def __init__(self) -> None:
        self.seconds: list[float] = []  #: per transition
        self.ratios: list[float] = []  #: to the floor

    def add(self, seconds: float, transitions: int, floor: float) -> None:
        self.seconds.append(seconds / transitions)
        self.ratios.append(seconds / transitions / floor)

    def sample(self, measure: Callable[[], tuple[float, int]]) -> None:
        """``measure()`` -> (seconds, transitions), between two samples of the floor."""
        measured, floor = beside_floor(measure)
        self.add(*measured, floor)

    def line(self, label: str) -> str:
        low, high = _middle(self.ratios)
        return (f"{label:44s} {statistics.median(self.seconds) * 1e6:6.2f} µs/transition  "
                f"{statistics.median(self.ratios):4.2f}x floor ({low:.2f}–{high:.2f}, {len(self.ratios)} samples)")


def beside_floor(measure: Callable[[], T]) -> tuple[T, float]:
    """What ``measure()`` returns, and the floor while it ran: the mean of the floors measured just
    before and just after it (an A-B-A design: a drift of the machine over the sample cancels)."""
    before = floor_per_transition(FLOOR_SAMPLE)
    measured = measure()
    return measured, (before + floor_per_transition(FLOOR_SAMPLE)) / 2


def _middle(values: list[float]) -> tuple[float, float]:
    """The 10th and 90th percentiles (the lowest and highest with few values)."""
    if len(values) < 5:
        return min(values), max(values)
    deciles = statistics.quantiles(values, n=10)
    return deciles[0], deciles[-1]


def engine(path: Path, runs: int) -> tuple[Figure, float]:
    """A sweep's own call, ``simulate``, on one worker, ``runs`` replicates a sample; and jobs a second."""
    plan = compile_plan(load(path))
    figure, rates = Figure(), []

    def measure() -> tuple[float, int]:
        transitions, seed = 0, next(SEEDS)
        start = time.perf_counter()
        for i in range(runs):
            transitions += simulate(plan, seed=seed, replicate=i).transitions
        elapsed = time.perf_counter() - start
        rates.append(runs / elapsed)
        return elapsed, transitions

    for _ in range(SAMPLES):
        figure.sample(measure)
    return figure, statistics.median(rates)


def whatif(path: Path, runs: int) -> dict[str, Figure | float]:
    """``tjsim whatif`` end to end on one worker:

    - ``sweep``: the sweep in this process, the engine and the aggregation (sketches included), a
      sample of ``runs // 20`` replicates a variant;
    - ``in_process``: all the command does, in this process: loading and compiling the study, the
      sweep of ``runs`` and the report (made from the result's data, as ``--json`` prints it);
    - ``command``, ``command_10x``: the whole command as a user runs it, start-up too, at ``runs`` and
      ten times as many replicates a variant;
    - ``marginal``: what one more simulated job costs the whole command: the two commands' difference
      over the difference of their transitions;
    - ``fixed``: the command's seconds with one replicate a variant (start-up, loading, report)."""
    from simulator.whatif import report
    from simulator.whatif.spec import load_study
    from simulator.whatif.sweep import sweep

    study = load_study(path)
    figures = {key: Figure() for key in ("sweep", "in_process", "command", "command_10x", "marginal")}

    def swept() -> tuple[float, int]:
        start = time.perf_counter()
        transitions = sweep(study, runs=max(1, runs // 20), seed=next(SEEDS)).transitions
        return time.perf_counter() - start, transitions

    def in_process() -> tuple[float, int]:
        start = time.perf_counter()
        result = sweep(load_study(path), runs=runs, seed=next(SEEDS))
        report.show(result, Console(file=io.StringIO()))  # what the command prints: the report (its data included)
        return time.perf_counter() - start, result.transitions

    for _ in range(SAMPLES):
        figures["sweep"].sample(swept)
    for _ in range(SAMPLES // 3):
        figures["in_process"].sample(in_process)
    for _ in range(max(1, SAMPLES // 6)):
        (small, large), floor = beside_floor(lambda: (_command(path, runs), _command(path, 10 * runs)))
        figures["command"].add(*small, floor)
        figures["command_10x"].add(*large, floor)
        figures["marginal"].add(large[0] - small[0], large[1] - small[1], floor)
    fixed = min(_command(path, 1)[0] for _ in range(3))
    return {**figures, "fixed": fixed}


def _command(path: Path, runs: int) -> tuple[float, int]:
    """``tjsim whatif PATH --runs RUNS`` in a process of its own, its report on a pipe, as a user runs
    it: (seconds, transitions). The transitions are those the same sweep makes in this process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simulator", "whatif", str(path), "--runs", str(runs)],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start, _transitions(path, runs)


@cache
def _transitions(path: Path, runs: int) -> int:
    from simulator.whatif.spec import load_study
    from simulator.whatif.sweep import sweep

    study = load_study(path)
    return sweep(study, runs=runs, seed=study.variants[study.baseline].plan.seed).transitions


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    floors = [floor_per_transition(20_000) for _ in range(5)]
    print(f"floor: {min(floors) * 1e6:.2f}–{max(floors) * 1e6:.2f} µs per transition over five samples (a bare "
          f"transitions trigger + a simpy timeout); every figure below is set against the floor measured beside it")
    for name in ("on-demand-completed", "spot-interrupted", "spot-random-interruptions", "internal-error-retried",
                 "whatif-spot-vs-on-demand"):
        path = ROOT / "scenarios" / f"{name}.yaml"
        if path.exists():
            figure, jobs = engine(path, max(1, runs // 4))
            print(f"{figure.line(name)}  {jobs:8,.0f} jobs/s")
    path = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
    got = whatif(path, runs)
    print(f"tjsim whatif {path.name}, one worker, end to end (goal: <= 1.0x floor):")
    for label, key in (("the sweep (engine + aggregation)", "sweep"),
                       (f"in process: load, sweep, report, {runs:,} runs", "in_process"),
                       ("one more simulated job, the whole command", "marginal"),
                       (f"the whole command, start-up too, {runs:,} runs", "command"),
                       (f"the whole command, start-up too, {10 * runs:,} runs", "command_10x")):
        print("  " + got[key].line(label))
    print(f"  start-up, loading and report (one run a variant): {got['fixed']:.2f} s, paid once a command")


if __name__ == "__main__":
    main()
