"""Random streams per source: reproducible anywhere, independent of each other."""

from __future__ import annotations

import pickle
import statistics
import subprocess
import sys

from simulator import compile_plan, simulate
from simulator.engine.streams import Streams

from .test_job import scenario


def test_the_same_seed_replicate_and_source_give_the_same_draws_in_another_process():
    here = [Streams(7, 3)["starting"].random() for _ in range(1)] + [Streams(7, 3)["capacity_wait"].random()]
    code = ("from simulator.engine.streams import Streams; "
            "print(repr([Streams(7, 3)['starting'].random(), Streams(7, 3)['capacity_wait'].random()]))")
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert repr(here) == there.strip()


def test_sources_are_independent_of_each_others_use():
    a, b = Streams(1, 0), Streams(1, 0)
    for _ in range(100):
        a["starting"].random()  # a draws a lot from one source...
    assert [a["interruptions"].random() for _ in range(5)] == [b["interruptions"].random() for _ in range(5)]


def test_streams_differ_by_seed_replicate_and_source():
    draws = {(seed, rep, src): Streams(seed, rep)[src].random()
             for seed in (0, 1) for rep in (0, 1) for src in ("starting", "uploading")}
    assert len(set(draws.values())) == len(draws)


def test_draws_look_uniform_and_the_distributions_work():
    stream = Streams(11)["x"]
    values = [stream.random() for _ in range(50_000)]
    assert abs(statistics.mean(values) - 0.5) < 0.01 and abs(statistics.pvariance(values) - 1 / 12) < 0.002
    assert min(values) >= 0 and max(values) < 1
    assert abs(statistics.mean(stream.expovariate(2.0) for _ in range(20_000)) - 0.5) < 0.02
    assert abs(statistics.mean(stream.gauss(10, 2) for _ in range(20_000)) - 10) < 0.1
    assert {stream.choice("abc") for _ in range(100)} == set("abc")


def test_a_stream_pickles_with_its_position():
    stream = Streams(3)["x"]
    stream.random()
    copy = pickle.loads(pickle.dumps(stream))
    assert copy.random() == stream.random()


def test_common_random_numbers_a_setting_that_cannot_matter_changes_nothing():
    spot = dict(spot=(86400, 172800), spot_settings={"interruption_rate_per_hour": 1.5})
    constant = compile_plan(scenario(timing={"training": 5000}, **spot))
    one_point = compile_plan(scenario(timing={"training": {"choice": [5000]}}, metrics={"loss": 0.3}, **spot))
    figures = [[(o.secondary, o.billable_seconds, o.training_seconds, o.interruptions)
                for o in (simulate(plan, seed=9, replicate=i) for i in range(40))] for plan in (constant, one_point)]
    assert figures[0] == figures[1]
    assert sum(i for *_, i in figures[0]) > 0


def test_common_random_numbers_the_interruption_clock_is_shared_across_variants():
    # a different checkpoint interval changes how much work is lost, not when instances are reclaimed
    def reclaims(interval):
        plan = compile_plan(scenario(timing={"training": 5000}, spot=(86400, 172800),
                                     spot_settings={"interruption_rate_per_hour": 1.0},
                                     checkpoint_settings={"interval": interval}))
        return [simulate(plan, seed=4, replicate=i).interruptions for i in range(30)]

    few, many = reclaims(3000), reclaims(60)
    assert all(a >= b for a, b in zip(few, many, strict=True))  # more lost work: more exposure, never less
