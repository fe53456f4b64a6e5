"""simulator/engine/acceptance.py: the one table of which actions a job takes, read as a
specification — (the job as it is, the action) -> accept, ignore or refuse, and why."""

from __future__ import annotations

import pytest

from simulator import Simulation, compile_plan
from simulator.engine.acceptance import ACCEPTORS, Verdict, verdict
from simulator.engine.actions import Fail, Interrupt, Stop, Update
from simulator.errors import ActionIgnored, InvalidAction

from .factories import scenario

ACCEPT, IGNORE, REFUSE = Verdict.ACCEPT, Verdict.IGNORE, Verdict.REFUSE
KEEP_ALIVE = Update({"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}})
REJECTED = "The request was rejected because the training job is in status"


def job_at(t: float, *, spot: bool = False, stop_at: float | None = None, **job):
    """The factories' job (Starting 0-100 s, Downloading to 130 s, Training to 1130 s, Completed at
    1140 s) as it is at ``t``; stopped at ``stop_at``."""
    s = scenario(job=job, spot=(86400, 172800) if spot else None)
    sim = Simulation()
    created = sim.submit(compile_plan(s))
    if stop_at is not None:
        sim.advance_to(stop_at)
        sim.inject(created.plan.name, Stop())
    sim.advance_to(t)
    return created


CASES = {
    "training takes a stop": (job_at(500), Stop(), (ACCEPT, None)),
    "training takes an update": (job_at(500), KEEP_ALIVE, (ACCEPT, None)),
    "training takes a failure": (job_at(500), Fail("AlgorithmError"), (ACCEPT, None)),
    "a spot job's instances can be reclaimed": (job_at(500, spot=True), Interrupt(), (ACCEPT, None)),
    "Starting takes no update": (job_at(50), KEEP_ALIVE,
                                 (REFUSE, f"{REJECTED} InProgress and secondary status Starting.")),
    "an on-demand job has no spot instances": (job_at(500), Interrupt(), (
        IGNORE, "there are no spot instances to reclaim: the job is not a spot job")),
    "no spot instances before they are granted": (job_at(50, spot=True), Interrupt(), (
        IGNORE, "there are no spot instances to reclaim while the job is Starting")),
    "a stopping job takes no second stop": (job_at(501, stop_at=500), Stop(), (REFUSE, f"{REJECTED} Stopping.")),
    "a stopping job still fails": (job_at(501, stop_at=500), Fail("AlgorithmError"), (ACCEPT, None)),
    "a stopping job is not interrupted": (job_at(501, spot=True, stop_at=500), Interrupt(), (
        IGNORE, "the job is already stopping (Stopping)")),
    "an ended job refuses a stop": (job_at(2000), Stop(), (REFUSE, f"{REJECTED} Completed.")),
    "an ended job is not interrupted": (job_at(2000), Interrupt(), (IGNORE, "the job has ended (Completed)")),
    "an ended job without a pool refuses an update": (job_at(2000), KEEP_ALIVE, (REFUSE, f"{REJECTED} Completed.")),
    "an Available warm pool takes a new keep-alive": (  # kept from 1140 s for 600 s
        job_at(1200, ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30,
                                     "KeepAlivePeriodInSeconds": 600}), KEEP_ALIVE, (ACCEPT, None)),
    "...but nothing else": (
        job_at(1200, ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30,
                                     "KeepAlivePeriodInSeconds": 600}),
        Update({"ResourceConfig": {"KeepAlivePeriodInSeconds": 60}, "ProfilerConfig": {}}),
        (REFUSE, f"{REJECTED} Completed.")),
}


@pytest.mark.parametrize("job, action, expected", CASES.values(), ids=CASES)
def test_a_job_takes_ignores_or_refuses_an_action(job, action, expected):
    assert verdict(job, action) == expected


RETRIES = {"RetryStrategy": {"MaximumRetryAttempts": 1}}


@pytest.mark.parametrize("job, failure, expected", [
    (job_at(500, **RETRIES), Fail("InternalServerError"), (ACCEPT, None)),
    (job_at(500, **RETRIES), Fail("AlgorithmError"), (REFUSE, "only an InternalServerError is retried")),
    (job_at(500), Fail("InternalServerError"), (REFUSE, "RetryStrategy.MaximumRetryAttempts are spent")),
    (job_at(501, stop_at=500, **RETRIES), Fail("InternalServerError"), (REFUSE, f"{REJECTED} Stopping.")),
], ids=["an internal error with attempts left", "another kind", "no attempts left", "while stopping"])
def test_a_failure_is_retried_only_as_the_table_says(job, failure, expected):
    assert verdict(job, failure, "retry") == expected


def test_every_acceptor_is_a_case_above():
    reasons = {expected[1] for _, _, expected in CASES.values()} | {
        "only an InternalServerError is retried", "RetryStrategy.MaximumRetryAttempts are spent"}
    templates = [a.reason for a in ACCEPTORS if a.verdict is not ACCEPT]
    unmatched = [t for t in templates if not any(r and r.startswith(t.split("{")[0]) for r in reasons)]
    assert unmatched == []


def test_a_job_restarting_after_a_failure_does_not_retry_a_second_one_there():
    s = scenario(job=RETRIES | {"RetryStrategy": {"MaximumRetryAttempts": 2}}, lifecycle={"restarting_on_retry": True},
                 events=[{"type": "fail", "error": "InternalServerError", "at": 50}])
    sim = Simulation()
    job = sim.submit(compile_plan(s))
    sim.advance_to(51)
    assert job.state == "Restarting"
    assert verdict(job, Fail("InternalServerError"), "retry") == (
        REFUSE, f"{REJECTED} InProgress and secondary status Restarting.")
    sim.inject(job.plan.name, Fail("InternalServerError"))  # hypothesis found this crashing once
    sim.advance_to(60)
    assert job.state == "Failed"


def test_inject_raises_what_the_table_says():
    with pytest.raises(ActionIgnored, match="not a spot job"):
        job_at(500).inject(Interrupt())
    with pytest.raises(InvalidAction, match="in status Completed") as refused:
        job_at(2000).inject(Stop())
    assert not isinstance(refused.value, ActionIgnored)
