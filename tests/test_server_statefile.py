"""Starting from a state file: a restart answers as before; a file keeps its clock, origin and region;
a damaged one is one line."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from simulator.errors import InvalidAction, StateError
from simulator.server.backend import Backend
from simulator.server.clock import ManualClock, RealtimeClock
from simulator.server.control import advance, advance_to_next
from simulator.server.journal import Journal
from simulator.server.sagemaker import (
    create_training_job,
    stop_training_job,
    update_training_job,
)
from simulator.server.stories import Stories

from .server_helpers import ORIGIN, backend, describe, request


def test_a_restart_on_the_same_state_answers_as_before(tmp_path):
    state = tmp_path / "jobs.db"
    first = backend(journal=Journal(state), region="eu-west-1")
    create_training_job(first, request("a"))
    advance(first, 300)
    create_training_job(first, request("b", Tags=[{"Key": "tjsim:scenario", "Value": "algorithm-error"}]))
    advance(first, 700)
    stop_training_job(first, {"TrainingJobName": "a"})
    update_training_job(first, {"TrainingJobName": "b", "ProfilerConfig": {"ProfilingIntervalInMilliseconds": 100}})
    advance_to_next(first, "b")
    with pytest.raises(InvalidAction):  # refused: never journaled, so it cannot spoil the replay
        stop_training_job(first, {"TrainingJobName": "a"})
    before = {name: describe(first, name) for name in ("a", "b")}
    first.close()
    second = Backend(stories=Stories(), journal=Journal(state))  # origin and region: the file's
    assert {name: describe(second, name) for name in ("a", "b")} == before
    assert second.sim.now == first.sim.now and second.region == "eu-west-1"
    advance(second, 5000)  # and it goes on from there
    assert describe(second, "a")["TrainingJobStatus"] == "Stopped"
    second.close()


def test_a_state_file_keeps_its_clock_origin_and_region(tmp_path):
    Backend(journal=Journal(tmp_path / "s.db"), clock=ManualClock(), origin=ORIGIN).close()
    with pytest.raises(StateError, match="--clock manual"):
        Backend(journal=Journal(tmp_path / "s.db"), clock=RealtimeClock(60))
    with pytest.raises(StateError, match=r"--origin 2025-01-01T00:00:00Z, not 2025-01-01T00:00:01Z"):
        Backend(journal=Journal(tmp_path / "s.db"), origin=ORIGIN + 1)
    with pytest.raises(StateError, match="--region us-east-1, not eu-west-1"):
        Backend(journal=Journal(tmp_path / "s.db"), region="eu-west-1")
    Backend(journal=Journal(tmp_path / "s.db"), origin=ORIGIN, region="us-east-1").close()  # the same: fine


def test_a_damaged_journal_is_one_line(tmp_path):
    state = tmp_path / "s.db"
    b = backend(journal=Journal(state))
    create_training_job(b, request("job-1"))
    b.close()
    with contextlib.closing(sqlite3.connect(state)) as db, db:
        db.execute("UPDATE entries SET payload = '{\"request\": {}}' WHERE kind = 'create'")
    with pytest.raises(StateError, match=r"entry 1 \(create\) cannot be replayed"):
        backend(journal=Journal(state))


def test_a_restarted_realtime_clock_goes_on_from_the_files_wall_origin(tmp_path):
    from importlib import metadata

    Backend(journal=Journal(tmp_path / "s.db"), clock=RealtimeClock(60, wall_origin=1000.0), origin=ORIGIN).close()
    clock = RealtimeClock(60)
    restarted = Backend(journal=Journal(tmp_path / "s.db"), clock=clock)
    assert clock.wall_origin == 1000.0 and restarted.sim.origin == ORIGIN
    assert restarted.written_by == metadata.version("tjsim")  # serve warns when another tjsim wrote it
    restarted.close()


@pytest.mark.parametrize("damage, expected", [
    ("DELETE FROM meta WHERE key = 'origin'", "its settings are damaged: origin is missing"),
    ("UPDATE meta SET value = '\"2025-01-01\"' WHERE key = 'origin'", "its settings are damaged: origin is "
                                                                       "'2025-01-01'"),
    ("UPDATE meta SET value = '\"hourly\"' WHERE key = 'mode'", "its settings are damaged: mode is 'hourly'"),
    ("UPDATE meta SET value = 'true' WHERE key = 'speed'", "its settings are damaged: speed is True"),
    ("UPDATE meta SET value = '\"a\\u0007b\\u001b[2J\"' WHERE key = 'region'", "region is 'a\\x07b\\x1b[2J'"),
])
def test_damaged_settings_are_one_printable_line(tmp_path, damage, expected):
    state = tmp_path / "s.db"
    backend(journal=Journal(state)).close()
    with contextlib.closing(sqlite3.connect(state)) as db, db:
        db.execute(damage)
    with pytest.raises(StateError) as err:
        backend(journal=Journal(state))
    message = str(err.value)
    assert message.startswith(f"--state {state}: ") and expected in message
    assert message.isprintable() and "\n" not in message


def test_a_state_error_never_carries_raw_bytes_to_the_terminal():
    err = StateError("--state s.db: entry 3 (create) cannot be replayed: \x00\x1b[31mred\nnext")
    assert str(err) == "--state s.db: entry 3 (create) cannot be replayed: \\x00\\x1b[31mred\\nnext"
