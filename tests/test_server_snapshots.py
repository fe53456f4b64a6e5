"""Snapshots: a restart adopts the jobs a snapshot keeps settled and answers byte for byte as a replay
of every entry does (describes, pages, events, logs), and goes on the same; a snapshot that cannot
serve is left aside with a line, never trusted and never fatal."""

from __future__ import annotations

import contextlib
import json
import pickle
import shutil
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import ActionIgnored, InvalidAction, JournalFailure, RequestError
from simulator.server import snapshots
from simulator.server.backend import Backend
from simulator.server.control import advance, advance_to_next, inject
from simulator.server.journal import Journal
from simulator.server.logs import filter_log_events
from simulator.server.sagemaker import (
    create_training_job,
    describe_training_job,
    list_training_jobs,
    stop_training_job,
    update_training_job,
)
from simulator.server.stories import Stories
from simulator.server.tags import add_tags

from .conftest import ROOT
from .server_helpers import ORIGIN, request

#: the shipped stories a created job may live (a what-if scenario is not one)
STORIES = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml") if not p.stem.startswith("whatif"))


def served(state: Path, **kwargs: Any) -> Backend:
    return Backend(stories=Stories(ROOT / "scenarios"), origin=ORIGIN, journal=Journal(state), **kwargs)


def create(b: Backend, name: str, story: str, *, keep_alive: int = 0, spot: bool = False) -> None:
    resources = {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": 86400}
    extra: dict[str, Any] = {}
    if keep_alive:
        resources["KeepAlivePeriodInSeconds"] = keep_alive
    if spot:
        stopping["MaxWaitTimeInSeconds"] = 172800
        extra = {"EnableManagedSpotTraining": True, "CheckpointConfig": {"S3Uri": "s3://bucket/checkpoints"}}
    create_training_job(b, request(name, ResourceConfig=resources, StoppingCondition=stopping,
                                   Tags=[{"Key": "tjsim:scenario", "Value": story}], **extra))


def answers(b: Backend) -> dict[str, Any]:
    """Everything a client can read of ``b``: describes, every page of each order, every event, the logs."""
    pages = {}
    for by in ("CreationTime", "Name", "Status"):
        for order in ("Ascending", "Descending"):
            listed, token = [], None
            while True:
                page = json.loads(list_training_jobs(b, {"SortBy": by, "SortOrder": order, "MaxResults": 7,
                                                          **({"NextToken": token} if token else {})}))
                listed += page["TrainingJobSummaries"]
                token = page.get("NextToken")
                if not token:
                    break
            pages[by, order] = listed
    return {"now": b.sim.now, "jobs": list(b.sim.jobs),
            "describes": {name: describe_training_job(b, {"TrainingJobName": name}) for name in b.sim.jobs},
            "pages": pages, "events": [b.feed.encoded(n) for n in range(1, b.feed.last + 1)],
            "logs": filter_log_events(b, {"logGroupName": "/aws/sagemaker/TrainingJobs"}),
            "tags": {job.plan.arn: b.tags.pairs(job.plan.arn) for job in b.sim.jobs.values()}}


def without_snapshots(state: Path, copy: Path) -> Path:
    """A copy of ``state`` with its snapshots taken out: its restart replays every entry."""
    shutil.copyfile(state, copy)
    _tamper(copy, "DELETE FROM snapshots")
    return copy


def test_a_restart_adopts_settled_jobs_and_answers_byte_for_byte(tmp_path):
    state = tmp_path / "jobs.db"
    first = served(state)
    for i, story in enumerate(STORIES):
        create(first, f"early-{i}", story, spot=story.startswith("spot"))
    create(first, "pooled", "on-demand-completed", keep_alive=1800)  # kept a warm pool: lives again
    advance(first, 900)
    training = [job.plan.name for job in first.sim.jobs.values() if job.state == "Training"]
    stop_training_job(first, {"TrainingJobName": training[0]})
    update_training_job(first, {"TrainingJobName": training[1],
                                "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    advance(first, 20000)
    assert first.keeper.take(first.sim, first.feed)  # a snapshot mid-way: some settled, some not
    create(first, "late", "spot-interrupted", spot=True)
    create(first, "reuser", "on-demand-completed", keep_alive=600)  # takes over the pool
    advance(first, 600)
    first.close()  # and one more as it stops: the chain of two
    expected = answers(first)

    second = served(state)
    adopted = [job for job in second.sim.jobs.values() if job.process is None]
    assert len(adopted) >= len(STORIES) - 2 and {"pooled", "reuser"}.isdisjoint(j.plan.name for j in adopted)
    replayed = served(without_snapshots(state, tmp_path / "copy.db"))
    assert all(job.process is not None for job in replayed.sim.jobs.values())
    assert answers(second) == answers(replayed) == expected

    for b in (second, replayed):  # and each goes on the same
        with pytest.raises(InvalidAction):
            stop_training_job(b, {"TrainingJobName": adopted[0].plan.name})
        with pytest.raises(ActionIgnored):
            inject(b, adopted[0].plan.name, {"type": "interrupt"})
        create(b, "after", "stopped-while-training")
        advance(b, 7200)
    assert answers(second) == answers(replayed)
    second.close()
    replayed.close()


def test_a_chain_goes_on_across_restarts(tmp_path, monkeypatch):
    monkeypatch.setattr(snapshots, "EVERY", 4)  # periodic snapshots, every few mutations
    monkeypatch.setattr(snapshots, "CHUNK", 2)
    state = tmp_path / "jobs.db"
    b = served(state)
    for round_ in range(3):
        for i in range(5):
            create(b, f"r{round_}-{i}", STORIES[(round_ * 5 + i) % len(STORIES)])
            advance(b, 1500)
        b.close()
        with contextlib.closing(sqlite3.connect(state)) as db:
            rows = db.execute("SELECT count(*) FROM snapshots").fetchone()[0]
        assert rows >= round_ + 2  # periodic ones, and one at each close, chained
        expected = answers(b)
        b = served(state)
        assert answers(b) == expected == answers(served(without_snapshots(state, tmp_path / f"copy{round_}.db")))
    b.close()


def _tamper(state: Path, sql: str, *args: Any) -> None:
    db = sqlite3.connect(state)
    with db:
        db.execute(sql, args)
    db.close()


@pytest.mark.parametrize(("damage", "why"), [
    ("UPDATE snapshots SET code = 'another'", "written by another version of tjsim"),
    ("UPDATE snapshots SET jobs = ?", "they are damaged"),  # bytes changed
    ("UPDATE snapshots SET feed = x'00'", "they are damaged"),
    ("UPDATE snapshots SET jobs = substr(jobs, 1, 100) || substr(jobs, 101)", "cannot be read"),  # text now
    ("UPDATE snapshots SET seq = 100000", "they hold entries up to 100000"),
    ("UPDATE snapshots SET seq = 1", "kept jobs were never created"),  # a create after the snapshot's last entry
    ("UPDATE snapshots SET at = 'x'", "cannot be read"),
])
def test_a_snapshot_that_cannot_serve_is_left_aside_with_a_line(tmp_path, damage, why):
    state = tmp_path / "jobs.db"
    b = served(state)
    for i in range(6):
        create(b, f"job-{i}", STORIES[i])
        advance(b, 3000)
    b.close()
    expected = answers(b)
    if "?" in damage:
        with contextlib.closing(sqlite3.connect(state)) as db:
            blob = bytearray(db.execute("SELECT jobs FROM snapshots").fetchone()[0])
        blob[100:108] = bytes(8)
        _tamper(state, damage, bytes(blob))
    else:
        _tamper(state, damage)
    journal = Journal(state)
    again = Backend(stories=Stories(ROOT / "scenarios"), journal=journal)
    assert answers(again) == expected
    assert all(job.process is not None for job in again.sim.jobs.values())  # every one lived again
    [note] = journal.notes
    assert why in note and note.startswith(f"--state {state}: its snapshots are left aside") and note.isprintable()
    again.close()  # a new chain, in place of what was left aside
    third = served(state)
    assert not third.journal.notes and answers(third) == expected
    assert any(job.process is None for job in third.sim.jobs.values())
    third.close()


def one_job_kept(tmp_path: Path) -> tuple[Path, Backend]:
    """A state file whose snapshot keeps one settled job, and the server that wrote it (closed)."""
    state = tmp_path / "jobs.db"
    b = served(state)
    create(b, "job", STORIES[0])
    advance(b, 5000)
    b.close()
    return state, b


def test_a_snapshot_of_other_shapes_is_left_aside(tmp_path):
    """Whatever a (crafted) snapshot holds in place of a kept job, the server starts, without it."""
    state, b = one_job_kept(tmp_path)
    expected = answers(b)
    for crafted in ([("job", 5)], [(5, b.sim.jobs["job"])], "text"):
        _tamper(state, "UPDATE snapshots SET jobs = ?", zlib.compress(pickle.dumps((crafted, []))))
        journal = Journal(state)
        again = Backend(stories=Stories(ROOT / "scenarios"), journal=journal)
        assert answers(again) == expected and "its snapshots are left aside" in journal.notes[0]
        again.journal.close()  # as a kill leaves it: the crafted snapshot stays for the next round


class _Runs:
    def __reduce__(self):
        return (Path.touch, (Path("/tmp/tjsim-snapshot-ran"),))


def test_a_snapshot_runs_nothing_it_holds(tmp_path):
    """A state file is data: a pickle naming anything but the engine's classes is refused, unrun."""
    state, _ = one_job_kept(tmp_path)
    _tamper(state, "UPDATE snapshots SET jobs = ?", zlib.compress(pickle.dumps([("job", _Runs())])))
    Path("/tmp/tjsim-snapshot-ran").unlink(missing_ok=True)
    journal = Journal(state)
    Backend(stories=Stories(ROOT / "scenarios"), journal=journal).close()
    assert not Path("/tmp/tjsim-snapshot-ran").exists()
    assert "is not what a snapshot holds" in journal.notes[0]


def test_only_a_settled_job_apart_from_others_is_kept(tmp_path):
    b = served(tmp_path / "jobs.db")
    create(b, "running", "on-demand-completed")
    create(b, "pooled", "on-demand-completed", keep_alive=600)
    with pytest.raises(TypeError, match="only its journal can bring it back"):
        pickle.dumps(b.sim.jobs["running"])
    advance(b, 100000)
    assert b.sim.jobs["running"].keepable and not b.sim.jobs["pooled"].keepable
    b.close()


_OPS = st.lists(st.one_of(
    st.tuples(st.just("create"), st.sampled_from(STORIES), st.booleans()),
    st.tuples(st.just("advance"), st.integers(1, 4000)),
    st.tuples(st.just("next"),),
    st.tuples(st.just("stop"), st.integers(0, 30)),
    st.tuples(st.just("interrupt"), st.integers(0, 30)),
    st.tuples(st.just("fail"), st.integers(0, 30), st.sampled_from(["AlgorithmError", "InternalServerError"])),
    st.tuples(st.just("profile"), st.integers(0, 30)),
    st.tuples(st.just("tag"), st.integers(0, 30)),
    st.tuples(st.just("snapshot"),),
    st.tuples(st.just("restart"),),
    st.tuples(st.just("crash"),),
), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
def test_any_history_restarts_from_its_snapshots_as_from_its_entries(tmp_path_factory, monkeypatch, ops):
    """Whatever was done, whenever the snapshots were taken, and however the server stopped: a
    restart answers as the server did, and as a replay of every entry does."""
    monkeypatch.setattr(snapshots, "EVERY", 3)  # periodic snapshots of a few jobs too
    monkeypatch.setattr(snapshots, "CHUNK", 2)
    folder = tmp_path_factory.mktemp("ops")
    state = folder / "jobs.db"
    b, created = served(state), 0
    for op in ops:
        try:
            if op[0] == "create":
                create(b, f"job-{created}", op[1], keep_alive=600 if op[2] else 0, spot=op[1].startswith("spot"))
                created += 1
            elif op[0] == "advance":
                advance(b, op[1])
            elif op[0] == "next":
                advance_to_next(b)
            elif op[0] in ("stop", "interrupt") and created:
                inject(b, f"job-{op[1] % created}", {"type": op[0]})
            elif op[0] == "fail" and created:
                inject(b, f"job-{op[1] % created}", {"type": "fail", "error": op[2]})
            elif op[0] == "profile" and created:
                update_training_job(b, {"TrainingJobName": f"job-{op[1] % created}", "ProfilerRuleConfigurations": [
                    {"RuleConfigurationName": "LowGPU", "RuleEvaluatorImage": "123456789012.dkr.ecr.us-east-1."
                     "amazonaws.com/rules:1", "RuleParameters": {"rule_to_invoke": "LowGPUUtilization"}}]})
            elif op[0] == "tag" and created:
                add_tags(b, {"ResourceArn": b.sim.jobs[f"job-{op[1] % created}"].plan.arn,
                             "Tags": [{"Key": "team", "Value": f"t{op[1]}"}]})
            elif op[0] == "snapshot":
                b.keeper.take(b.sim, b.feed)
            elif op[0] in ("restart", "crash"):
                if op[0] == "restart":
                    b.close()  # with a snapshot of every job settled
                else:
                    b.journal.close()  # as a kill leaves it: the periodic snapshots alone
                before = answers(b)
                b = served(state)
                assert answers(b) == before
        except (InvalidAction, ActionIgnored, RequestError):
            pass  # refused or ignored: never journaled
    b.close()
    expected = answers(b)
    assert answers(served(state)) == expected == answers(served(without_snapshots(state, folder / "copy.db")))


def test_a_snapshot_that_fails_never_fails_the_change(tmp_path, monkeypatch, caplog):
    """A snapshot is taken after a change is journaled and applied: its failure is one logged line, and
    the change stands."""
    monkeypatch.setattr(snapshots, "EVERY", 1)
    monkeypatch.setattr(snapshots, "CHUNK", 1)
    b = served(tmp_path / "jobs.db")
    create(b, "first", STORIES[0])

    def refuse(snapshot: Any, *, chained: bool) -> None:
        raise JournalFailure("the state file cannot be written (disk I/O error)")

    monkeypatch.setattr(b.journal, "keep", refuse)
    advance(b, 100000)  # answered: the look after it fails
    assert b.sim.now == 100000
    [record] = [r for r in caplog.records if r.name == "tjsim.server"]
    assert record.getMessage() == ("No snapshot was written (the state file cannot be written (disk I/O error)): a "
                                   "restart will replay more of the journal")
    monkeypatch.undo()
    b.close()
    assert describe_training_job(served(tmp_path / "jobs.db"), {"TrainingJobName": "first"}) == \
        describe_training_job(b, {"TrainingJobName": "first"})


def test_the_next_change_is_the_same_after_an_adoption(tmp_path):
    """A stop cuts a wait short and leaves its timeout scheduled, for nobody: ``clock/next`` skips it,
    so the server, a restart adopting the stopped job (which never had it) and a full replay agree."""
    stories = tmp_path / "stories"
    stories.mkdir()
    shutil.copy(ROOT / "scenarios" / "stopped-while-training.yaml", stories)
    forever = yaml.safe_load((ROOT / "scenarios" / "spot-no-capacity.yaml").read_text())
    del forever["job"]["StoppingCondition"]["MaxWaitTimeInSeconds"]  # capacity never comes, and nothing stops it
    forever.setdefault("lifecycle", {})["require_max_wait_for_spot"] = False
    (stories / "forever.yaml").write_text(yaml.safe_dump(forever))

    def server(state: Path | None) -> Backend:
        return Backend(stories=Stories(stories), origin=ORIGIN, journal=state and Journal(state))

    first, live = server(tmp_path / "jobs.db"), server(None)
    for b in (first, live):
        create(b, "stopped", "stopped-while-training")  # its story stops it mid-training
        create_training_job(b, request("waiting", EnableManagedSpotTraining=True,  # no MaxWaitTimeInSeconds
                                       Tags=[{"Key": "tjsim:scenario", "Value": "forever"}]))
        advance(b, 3000)
    first.close()
    replayed = server(without_snapshots(tmp_path / "jobs.db", tmp_path / "copy.db"))
    moved = [advance_to_next(s)["simulated_seconds"] for s in (live, server(tmp_path / "jobs.db"), replayed)]
    assert moved == [3000.0] * 3  # nothing more happens: the clock stays put
