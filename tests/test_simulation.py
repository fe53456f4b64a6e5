"""The shared clock the endpoint will run on: incremental, never re-simulating."""

from __future__ import annotations

import pytest

from simulator import InvalidAction, ResourceInUse, ResourceNotFound, Simulation, compile_plan
from simulator.engine.actions import Stop, Update

from .factories import scenario


def plan(name="sim-job", **kwargs):
    s = scenario(job={"TrainingJobName": name}, **kwargs)
    return compile_plan(s)


def test_advancing_in_steps_equals_one_replay():
    stepped = Simulation()
    stepped.submit(plan())
    seen = []
    for t in range(0, 1300, 37):
        stepped.advance_to(t)
        seen.append(stepped.describe("sim-job"))
    whole = Simulation()
    whole.submit(plan())
    whole.run()
    # the finished job looks the same at any later instant
    assert seen == [whole.describe("sim-job", at=min(t, whole.now)) for t in range(0, 1300, 37)]


def test_a_change_exactly_at_the_target_time_is_visible():
    sim = Simulation()
    sim.submit(plan())
    sim.advance_to(100)  # Starting ends and Downloading begins at exactly t=100
    assert sim.describe("sim-job")["SecondaryStatus"] == "Downloading"


def test_describe_is_a_read():
    sim = Simulation()
    job = sim.submit(plan())
    sim.advance_to(500)
    log = list(job.history.entries)
    for _ in range(3):
        sim.describe("sim-job")
    assert sim.now == 500 and job.history.entries == log


def test_stop_injected_now_takes_effect_now():
    sim = Simulation()
    sim.submit(plan())
    sim.advance_to(400)
    sim.inject("sim-job", Stop())
    assert sim.describe("sim-job")["SecondaryStatus"] == "Stopping"
    sim.advance_to(1000)
    assert sim.describe("sim-job")["SecondaryStatus"] == "Stopped"
    with pytest.raises(InvalidAction, match="in status Stopped"):
        sim.inject("sim-job", Stop())


def test_update_injected_now():
    sim = Simulation()
    sim.submit(plan())
    sim.advance_to(300)
    changes = {"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}}
    sim.inject("sim-job", Update(changes))
    d = sim.describe("sim-job")
    assert d["SecondaryStatus"] == "Updating"
    assert d["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 60


def test_jobs_share_the_clock_and_start_at_its_present():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.advance_to(1000)
    sim.submit(plan("second"))
    sim.advance_to(1135)
    first, second = sim.describe("first"), sim.describe("second")
    assert second["CreationTime"] - first["CreationTime"] == 1000
    assert (first["SecondaryStatus"], second["SecondaryStatus"]) == ("Uploading", "Training")


def test_names_are_unique_and_unknown_names_are_not_found():
    sim = Simulation()
    sim.submit(plan())
    with pytest.raises(ResourceInUse, match="already exists") as err:
        sim.submit(plan())
    assert err.value.code == "ResourceInUse"
    with pytest.raises(ResourceNotFound, match=r"^Requested resource not found\.$"):
        sim.describe("nope")


def test_the_clock_only_moves_forward():
    sim = Simulation()
    sim.advance_to(10)
    with pytest.raises(ValueError, match="only moves forward"):
        sim.advance_to(5)


def test_an_ended_job_refuses_actions_before_its_final_status_is_written():
    sim = Simulation()
    sim.submit(plan())
    sim.advance_to(1140.1)  # the upload ended at 1140; the service writes Completed at 1140.25
    assert sim.describe("sim-job")["SecondaryStatus"] == "Uploading"
    with pytest.raises(InvalidAction, match="in status Completed"):
        sim.inject("sim-job", Stop())
    sim.advance_to(1140.25)
    assert sim.describe("sim-job")["SecondaryStatus"] == "Completed"


def test_jobs_created_later_by_schedule():
    sim = Simulation()
    sim.submit(plan("first"))
    sim.submit_at(500, plan("second"))
    sim.advance_to(499)
    assert list(sim.jobs) == ["first"]
    sim.advance_to(500)
    assert sim.describe("second")["CreationTime"] - sim.describe("first")["CreationTime"] == 500
