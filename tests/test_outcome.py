"""The sweep API: one call, an immutable outcome, the same figures as a recorded replay."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator import HistoryNotKept, Job, Simulation, Streams, compile_plan, replay, simulate
from simulator.engine.snapshot import describe
from simulator.engine.waits import TICK

from .factories import scenario, scenarios


def replayed_figures(s):
    """The outcome's figures, read off a recorded replay of the same job and draws."""
    r = replay(s)
    job, d = r.job, r.describe(job=r.job.plan.name)
    return (d["TrainingJobStatus"], d["SecondaryStatus"], d.get("TrainingTimeInSeconds"),
            d.get("BillableTimeInSeconds"), job.interruptions, job.attempts, job.transitions, d.get("FailureReason"))


def outcome_figures(o):
    return (o.primary, o.secondary, o.training_seconds, o.billable_seconds, o.interruptions, o.attempts,
            o.transitions, o.failure_reason)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_sweeps_outcome_is_the_replay_of_the_same_job_with_the_same_draws(s):
    if s.later:  # a sweep runs one job on its own clock
        s = s.model_copy(update={"later_jobs": []})
    outcome = simulate(compile_plan(s), seed=s.seed, replicate=0)
    assert outcome_figures(outcome) == replayed_figures(s)


def test_the_outcome_is_immutable_and_priced():
    o = simulate(compile_plan(scenario()), hourly_price=1.408)
    assert (o.primary, o.secondary, o.billable_seconds, o.instance_count) == ("Completed", "Completed", 1040, 1)
    assert o.cost_usd == pytest.approx(1040 * 1.408 / 3600)
    assert o.ended == 1140
    with pytest.raises(AttributeError):
        o.cost_usd = 0


def test_replicates_differ_and_repeat():
    plan = compile_plan(scenario(timing={"training": {"uniform": [500, 1500]}}))
    first = [simulate(plan, seed=3, replicate=i).billable_seconds for i in range(5)]
    assert len(set(first)) == 5
    assert first == [simulate(plan, seed=3, replicate=i).billable_seconds for i in range(5)]


def test_a_job_run_without_history_cannot_be_described():
    sim = Simulation()
    job = sim.submit(compile_plan(scenario()), record=False)
    with pytest.raises(HistoryNotKept, match="run without history"):
        describe(job)


def test_a_job_can_still_be_run_by_hand():
    import simpy

    env = simpy.Environment()
    job = Job(env, compile_plan(scenario()), streams=Streams(5, 1), record=False)
    env.run()
    assert job.state == "Completed" and len(job.history) == 0


def test_a_sweep_equals_the_recorded_run_for_any_replicate_even_at_half_seconds():
    # durations whose sum is an exact half second: merged and split waits must round it alike
    s = scenario(timing={"starting": 76.0, "downloading": 55.3, "image_pull": 70.6, "training": 999.8,
                         "uploading": 67.8})
    assert simulate(compile_plan(s), seed=s.seed).training_seconds == replay(s).describe()["TrainingTimeInSeconds"]
    from simulator import load

    from .conftest import ROOT

    for name in ("spot-interrupted", "warm-pool-reuse", "whatif-spot-vs-on-demand"):
        plan = compile_plan(load(ROOT / "scenarios" / f"{name}.yaml"))
        for i in range(150):
            swept = simulate(plan, seed=plan.seed, replicate=i)
            sim = Simulation()
            job = sim.submit(plan, streams=Streams(plan.seed, i))
            sim.run()
            assert (swept.training_seconds, swept.billable_seconds, swept.ended, swept.transitions) == (
                job.billing.training_seconds, job.billing.billable_seconds, job.ended, job.transitions), (name, i)


def _limited(plan, max_wait=None, max_runtime=None):
    """``plan`` with other limits: what a shorter MaxWait or MaxRuntime would have done."""
    return dataclasses.replace(plan, max_wait=plan.max_wait if max_wait is None else max_wait,
                               max_runtime=plan.max_runtime if max_runtime is None else max_runtime)


_RANDOM_SPOT = scenario(spot=(86400, 172800), spot_settings={"interruptions_per_instance_hour": 2.0},
                        checkpoint_settings={"interval": 120, "write": 7},
                        timing={"training": {"uniform": [1500, 4000]}, "capacity_wait": {"exponential": 300}},
                        failures={"InternalServerError": 0.2}, job={"RetryStrategy": {"MaximumRetryAttempts": 2}})


@pytest.mark.parametrize("field, measure, ending, seed", [
    ("max_wait", "wait_checked", "MaxWaitTimeExceeded", 3), ("max_runtime", "runtime_used", "MaxRuntimeExceeded", 4)])
@given(replicate=st.integers(0, 10_000), cut=st.floats(0.05, 0.999))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_limit_below_what_the_job_needed_stops_it_and_one_at_it_does_not(field, measure, ending, seed, replicate,
                                                                          cut):
    plan = compile_plan(_RANDOM_SPOT)
    free = simulate(plan, seed=seed, replicate=replicate)
    assume(free.secondary not in ("MaxWaitTimeExceeded", "MaxRuntimeExceeded"))
    needed = getattr(free, measure)
    # a tick above it changes nothing (at it exactly, a limit ties with a failure due that instant, and wins)
    assert simulate(_limited(plan, **{field: needed + TICK}), seed=seed, replicate=replicate) == free
    limit = needed * cut
    assume(limit >= 1.0)
    assert simulate(_limited(plan, **{field: limit}), seed=seed, replicate=replicate).secondary == ending


def test_checkpoint_writes_are_counted_whatever_the_restarts():
    on_demand = scenario(checkpoint_settings={"interval": 300, "write": 20}, timing={"training": 3000},
                         job={"CheckpointConfig": {"S3Uri": "s3://bucket/ckpt/"}})
    assert simulate(compile_plan(on_demand)).checkpoint_write_seconds == 9 * 20  # no write at the end
    plan, writes = compile_plan(_RANDOM_SPOT), set()
    for replicate in range(200):
        o = simulate(plan, seed=5, replicate=replicate)
        # every write costs instance seconds, and no more than the work done beside it
        assert 0 <= o.checkpoint_write_seconds <= o.runtime_used
        writes.add(o.checkpoint_write_seconds)
    assert len(writes) > 20  # restarts lose writes and make more: not a fixed count


def test_interruptions_scale_multiplies_the_rate():
    """``spot.interruptions_scale`` moves a rate as writing the product would: the same draws, the same job."""
    spot = (86400, 172800)
    scaled = compile_plan(scenario(spot=spot, spot_settings={"interruptions_per_instance_hour": 0.5,
                                                             "interruptions_scale": 4}))
    written = compile_plan(scenario(spot=spot, spot_settings={"interruptions_per_instance_hour": 2.0}))
    outcomes = [(simulate(scaled, seed=5, replicate=r), simulate(written, seed=5, replicate=r)) for r in range(20)]
    assert all(outcome_figures(a) == outcome_figures(b) for a, b in outcomes)
    assert sum(a.interruptions for a, _ in outcomes) > 20
