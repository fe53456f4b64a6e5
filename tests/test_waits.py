"""simulator/engine/waits.py: how a job spends time, and what ends a wait early — limits, random
clocks, and actions, each asked of the acceptance table when it is delivered."""

from __future__ import annotations

import pytest

from simulator import Simulation, compile_plan
from simulator.engine.actions import Fail, Interrupt, Stop, Update
from simulator.engine.waits import IDLE, TICK, UP, WIND, WORK, Limit, Wait, ticks

from .factories import scenario

KEEP_ALIVE = Update({"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}})
ACTIONS = {"stop": Stop(), "interrupt": Interrupt(), "update": KEEP_ALIVE, "fail": Fail("AlgorithmError"),
           "internal error": Fail("InternalServerError")}


def test_the_wait_kinds_and_the_names_the_hot_path_reads():
    assert [int(k) for k in (IDLE, UP, WORK, WIND)] == [0, 1, 2, 3] and list(Wait) == [IDLE, UP, WORK, WIND]
    assert repr(Limit.MAX_WAIT) == "MaxWait"


def test_durations_are_whole_ticks():
    assert TICK == 2.0 ** -10 and ticks(0.0004) == 0.0 and ticks(0.0006) == TICK and ticks(float("inf")) == float("inf")


@pytest.mark.parametrize("second", ACTIONS, ids=str)
@pytest.mark.parametrize("first", ACTIONS, ids=str)
def test_two_actions_given_to_a_job_in_one_instant_each_meet_the_job_as_the_first_left_it(first, second):
    """The second is delivered after the first has moved the job on (to Stopping, Interrupted,
    Updating, Failed, or back to Starting for a retry): it asks the table again, and what the job no
    longer takes changes nothing — the engine never fires a move the transition table lacks."""
    s = scenario(spot=(86400, 172800), job={"RetryStrategy": {"MaximumRetryAttempts": 1}})
    sim = Simulation()
    job = sim.submit(compile_plan(s))
    sim.advance_to(500)  # Training
    job.inject(ACTIONS[first])
    job.inject(ACTIONS[second])
    sim.run()
    assert job.finished


def test_an_action_given_as_a_phase_ends_meets_the_next_phase():
    sim = Simulation()
    job = sim.submit(compile_plan(scenario()))
    sim.advance_to(130)  # Downloading ends at 130 s: Training begins in this very instant
    job.inject(Stop())
    sim.run()
    statuses = [e["Status"] for e in sim.describe(job.plan.name)["SecondaryStatusTransitions"]]
    assert statuses[statuses.index("Stopping") - 1:] == ["Training", "Stopping", "Uploading", "Stopped"]


def test_a_wait_that_no_action_shortens():
    sim = Simulation()
    job = sim.submit(compile_plan(scenario()))
    env, ended = sim.env, []

    def waiting():
        yield from job.waits.wait_out(5.0)
        ended.append(env.now)

    process = env.process(waiting())
    sim.advance_to(1)
    process.interrupt(Stop())
    sim.advance_to(10)
    assert ended == [5.0]


def mean_over_replicates(instances: int, read, replicates: int, **sections) -> float:
    """The mean of ``read(job)`` over ``replicates`` runs of a spot job of ``instances`` instances (no
    limit in the way), made of ``sections``."""
    from simulator.engine.streams import Streams

    plan = compile_plan(scenario(job={"ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": instances,
                                                         "VolumeSizeInGB": 30}},
                                 spot=(86400, 10 * 86400), **sections))
    total = 0.0
    for replicate in range(replicates):
        sim = Simulation()
        job = sim.submit(plan, streams=Streams(plan.seed, replicate), record=False)
        sim.run()
        total += read(job)
    return total / replicates


def interruptions(instances: int) -> float:
    """Mean interruptions at 0.5 per instance-hour over an hour of training."""
    return mean_over_replicates(instances, lambda job: job.interruptions, 400, timing={"training": 3600},
                                spot_settings={"interruptions_per_instance_hour": 0.5})


def test_a_job_of_n_instances_is_interrupted_n_times_as_often():
    one, four = interruptions(1), interruptions(4)
    assert 0.3 < one < 0.8  # about half an interruption in an hour of instance time (plus redone work)
    assert 3.4 < four / one < 4.6, (one, four)  # any one instance reclaimed interrupts the whole job


def capacity_waited(instances: int, capacity_for: str) -> float:
    """Mean end of a spot job interrupted once, its capacity wait drawn from 100–1,000 s."""
    return mean_over_replicates(instances, lambda job: job.ended, 200, spot_settings={"capacity_for": capacity_for},
                                timing={"capacity_wait": {"uniform": [100, 1000]}},
                                events=[{"at": 300, "type": "interrupt"}])


def test_capacity_waits_grow_with_instance_count_when_each_instance_waits():
    assert capacity_waited(1, "each_instance") == capacity_waited(1, "job")  # one instance: the same draws
    assert capacity_waited(8, "job") == capacity_waited(1, "job")
    # the last of 8 uniform draws on [100, 1000] is 900 s / 9 from the top on average: ~350 s later than one
    assert 250 < capacity_waited(8, "each_instance") - capacity_waited(8, "job") < 450


def test_an_uncertain_rate_is_drawn_per_job_unrounded_even_at_the_advisors_small_rates():
    from simulator.engine.streams import Streams

    plan = compile_plan(scenario(spot=(86400, 172800),
                                 spot_settings={"interruptions_per_instance_hour": {"uniform": [0.0001, 0.0004]}}))
    rates = set()
    for replicate in range(50):
        sim = Simulation()
        job = sim.submit(plan, streams=Streams(plan.seed, replicate), record=False)
        (clock,) = job.waits.clocks
        rates.add(clock.rate * 3600)
    assert len(rates) == 50 and all(0.0001 <= r <= 0.0004 for r in rates)  # none rounded to 0 or to 0.001
