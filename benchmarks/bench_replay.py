"""``tjsim replay`` on ever longer histories: the cost of each output format per status change.

A spot job without checkpoints is interrupted at a high rate until MaxRuntime ends it, so the number
of changes grows with MaxRuntime. Every format but jsonl should cost the same per change at any
length (linear in the history); jsonl repeats the whole history on every line, as the API does, so
it grows with the square and is only measured on the shorter jobs. Run: ``make bench-replay``.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from pathlib import Path

import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.cli import main  # noqa: E402

BASE = yaml.safe_load((ROOT / "scenarios" / "spot-random-interruptions.yaml").read_text())
SIZES = [int(n) for n in os.environ.get("BENCH_INTERRUPTIONS", "150,600,2400,10000").split(",")]
RATE = 12.0  #: interruptions per instance-hour
JSONL_UP_TO = 600  #: jsonl grows with the square of the changes: longer jobs take minutes


def scenario(interruptions: int, folder: Path) -> Path:
    """A scenario that sees about ``interruptions`` spot interruptions before MaxRuntime stops it."""
    data = copy.deepcopy(BASE)
    data["job"].pop("CheckpointConfig")
    # each interruption comes after about 1/RATE instance-hours, plus ~1.5 min of starting again
    runtime = min(int(interruptions * (3600 / RATE + 90)), 28 * 86400)
    data["job"]["StoppingCondition"] = {"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": 365 * 86400}
    data["timing"] = {"training": 365 * 86400, "capacity_wait": {"uniform": [10, 30]}}
    data["spot"] = {"interruptions_per_instance_hour": RATE}
    path = folder / f"interrupted-{interruptions}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def timed(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = CliRunner(env={"COLUMNS": "120"}).invoke(main, list(args))
    if result.exit_code != 0:
        raise RuntimeError(result.stderr or result.output)
    return time.perf_counter() - start, result.stdout


def main_() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        print(f"{'interruptions':>13} {'changes':>8} {'format':>8} {'seconds':>8} {'µs/change':>10}")
        for n in SIZES:
            path = scenario(n, Path(folder))
            _, compact = timed("replay", str(path), "--format", "compact")  # counts the changes; warms up, untimed
            changes = compact.count("\n")
            seen = compact.count('"Interrupted"')
            for fmt in ("table", "compact", *(["jsonl"] if n <= JSONL_UP_TO else [])):
                seconds, _ = timed("replay", str(path), "--format", fmt)
                print(f"{seen:>13,} {changes:>8,} {fmt:>8} {seconds:>8.2f} {seconds / changes * 1e6:>10,.0f}")


if __name__ == "__main__":
    main_()
