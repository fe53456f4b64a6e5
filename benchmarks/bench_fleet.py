"""A fleet what-if at the size issue 17 names: 1,000 jobs × 5 variants × 200 replicates (1M simulated
jobs) on 2 workers, end to end, as a user runs it (goal: within 2 minutes on this 2-core machine);
then the same fleet's sweep on a local Dask cluster of one worker process, then of two (it should
scale with its workers: this machine has two cores).

The history is the shipped example's parameters with 1,000 jobs instead of 300, lived by the
engine; the fleet file is the shipped one without its assumptions (5 variants). Run: ``make
bench-fleet``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import SEEDS, Figure, floor_per_transition

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "scenarios" / "history"


def main() -> None:
    jobs, runs, workers = 1000, int(sys.argv[1]) if len(sys.argv) > 1 else 200, 2
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        spec = (HISTORY / "example-fleet.yaml").read_text().replace("\njobs: 300\n", f"\njobs: {jobs}\n")
        (here / "spec.yaml").write_text(spec)
        with (here / "example-fleet.jsonl").open("w") as out:
            subprocess.run([sys.executable, "-m", "simulator.fleet.example", str(here / "spec.yaml")], stdout=out,
                           check=True, cwd=ROOT)
        (here / "example-fleet-calibration.yaml").write_bytes((HISTORY / "example-fleet-calibration.yaml").read_bytes())
        fleet = (HISTORY / "whatif-fleet.yaml").read_text()
        (here / "fleet.yaml").write_text(fleet[:fleet.index("  assumptions:")])
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "simulator", "whatif", str(here / "fleet.yaml"), "--runs",
                               str(runs), "--workers", str(workers), "--json"], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        elapsed = time.perf_counter() - start
        data = json.loads(done.stdout)
        simulated = data["jobs"] * len(data["variants"]) * data["runs"]
        floor = min(floor_per_transition(20_000) for _ in range(5))
        per_transition = elapsed * workers / data["transitions"]  # CPU seconds of the two workers
        print(f"fleet what-if: {data['jobs']:,} jobs × {len(data['variants'])} variants × {data['runs']} "
              f"replicates = {simulated:,} simulated jobs on {workers} workers: {elapsed:.1f} s end to end "
              f"(goal: <= 120 s)")
        print(f"  {simulated / elapsed:,.0f} jobs/s; {per_transition * 1e6:.2f} µs of a worker per transition, "
              f"start-up, loading (compiling {data['jobs'] * len(data['variants']):,} plans) and report included, "
              f"both cores busy (the floor alone on one: {floor * 1e6:.2f} µs)")
        in_process(here / "fleet.yaml")
        on_dask(here / "fleet.yaml", max(1, runs // 5))


def in_process(path: Path, samples: int = 10) -> None:
    """The fleet's sweep on one worker in this process (the engine and the fleet's aggregation), two
    replicates a sample, each sample paired with the floor measured beside it (see bench_engine)."""
    from simulator.fleet.whatif.spec import load_fleet
    from simulator.fleet.whatif.sweep import run_chunk

    study, figure = load_fleet(path), Figure()

    def measure() -> tuple[float, int]:
        start = time.perf_counter()
        stats = run_chunk(study, next(SEEDS), 0, 2)
        return time.perf_counter() - start, sum(s.transitions for s in stats)

    for _ in range(samples):
        figure.sample(measure)
    print(figure.line("  its sweep on one worker, in process"))


def on_dask(path: Path, runs: int) -> None:
    """The fleet's sweep on a local Dask cluster of 1, then 2 worker processes (one thread each)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("Dask: not installed here (pip install 'tjsim[dask]'); its scaling is not measured")
        return
    from simulator.fleet.whatif.spec import load_fleet
    from simulator.fleet.whatif.sweep import sweep

    study = load_fleet(path)
    seconds = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            sweep(study, runs=1, seed=6, dask=client)  # the workers warm: imports, the study scattered once
            start = time.perf_counter()
            sweep(study, runs=runs, seed=7, dask=client)
            seconds[workers] = time.perf_counter() - start
    simulated = len(study.jobs) * len(study.variants) * runs
    print(f"on Dask, {simulated:,} simulated jobs: 1 worker {seconds[1]:.1f} s, 2 workers {seconds[2]:.1f} s: "
          f"{seconds[1] / seconds[2]:.2f}x faster with twice the workers (2.00x would be perfect)")

if __name__ == "__main__":
    main()
