"""Damaged state files are evidence: a damaged -wal is reported with what it would lose, and refused
untouched unless the server is told to start anyway; every damage, in the WAL, the main file or the
settings, is one printable line, never a traceback and never a write."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.errors import StateError
from simulator.server import wal
from simulator.server.backend import Backend
from simulator.server.clock import iso
from simulator.server.control import advance
from simulator.server.journal import Journal
from simulator.server.sagemaker import create_training_job
from simulator.server.stories import Stories

from .conftest import ROOT
from .server_helpers import backend, describe, request

JOBS = 40
EXAMPLES = int(os.environ.get("TJSIM_FUZZ_EXAMPLES", 60))  #: 300 each were run by hand


class Crash(tuple):
    """(the state file, the describes answered), shown short (hypothesis shows its test's arguments)."""

    def __repr__(self) -> str:
        return f"<Crash {self[0]}>"


@pytest.fixture(scope="module")
def crashed(tmp_path_factory) -> Crash:
    """A state file as a ``kill -9`` leaves it (copied while its server holds it: every entry in the
    -wal), and the describes its server answered."""
    live = tmp_path_factory.mktemp("live") / "s.db"
    b = backend(journal=Journal(live))
    for i in range(JOBS):
        create_training_job(b, request(f"job-{i}"))
        advance(b, 90)
    answered = {name: describe(b, name) for name in b.sim.jobs}
    kept = tmp_path_factory.mktemp("crashed") / "s.db"
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{live}{suffix}", f"{kept}{suffix}")
    b.close()
    return Crash((kept, answered))


def copied(crashed: tuple[Path, dict], into: Path) -> Path:
    state = into / "s.db"
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{crashed[0]}{suffix}", f"{state}{suffix}")
    return state


def files(state: Path) -> dict[str, str]:
    """Every file of the state, by name, as a digest: what a refusal must leave as it was."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(state.parent.glob(f"{state.name}*"))}


def frames(state: Path) -> list[int]:
    """The offsets of the -wal's frames of its present generation (those SQLite reads)."""
    data = Path(f"{state}-wal").read_bytes()
    size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    return [32 + i * (24 + size) for i in range((len(data) - 32) // (24 + size))
            if data[32 + i * (24 + size) + 8:32 + i * (24 + size) + 16] == salts]


def damage(path: Path, offset: int, mask: int = 0x40) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= mask
    path.write_bytes(bytes(data))


def started(state: Path, **kwargs) -> Backend:
    return backend(journal=Journal(state, **kwargs))


def test_an_intact_wal_left_by_a_crash_is_no_damage_and_restarts_whole(crashed, tmp_path):
    state = copied(crashed, tmp_path)
    assert wal.inspect(state) is None
    b = started(state)
    assert {name: describe(b, name) for name in b.sim.jobs} == crashed[1]
    b.close()


def test_a_damaged_wal_is_refused_untouched_naming_the_entries_it_would_lose(crashed, tmp_path):
    """SQLite stops at the damaged frame and drops every transaction after it; the old server started
    with what was before it and said only how many jobs it replayed."""
    state = copied(crashed, tmp_path)
    live = frames(state)
    damage(Path(f"{state}-wal"), live[len(live) // 2] + 24 + 1000)  # a byte in the page of a frame midway
    before = files(state)
    with pytest.raises(StateError) as refused:
        started(state)
    message = str(refused.value)
    assert message.startswith(f"--state {state}: its -wal is damaged at frame {len(live) // 2 + 1} of ")
    assert "--accept-damaged-wal" in message and "\n" not in message
    assert files(state) == before  # nothing written, the -wal not merged, no -shm left behind
    lost = message.split("journal entries (")[1].split(")")[0]
    first, last = (int(n) for n in lost.split("–"))
    assert last == 2 * JOBS  # a create and a clock move per job: the last entry is among the lost
    readable = first - 1
    assert f"the {readable} entries that can be read" in message


def test_told_to_it_starts_with_what_can_be_read_and_keeps_the_damaged_wal(crashed, tmp_path):
    state = copied(crashed, tmp_path)
    live = frames(state)
    damage(Path(f"{state}-wal"), live[len(live) // 2] + 24 + 1000)
    damaged = Path(f"{state}-wal").read_bytes()
    journal = Journal(state, damaged_wal=True)
    assert journal.notes and "is damaged: started without" in journal.notes[0]
    b = backend(journal=journal)
    assert 0 < len(b.sim.jobs) < JOBS
    assert Path(f"{state}-wal.damaged").read_bytes() == damaged
    b.close()


def test_a_damaged_wal_header_loses_the_whole_wal_and_is_refused(crashed, tmp_path):
    state = copied(crashed, tmp_path)
    damage(Path(f"{state}-wal"), 17)  # the header's first salt: its checksum no longer holds
    with pytest.raises(StateError, match=r"its -wal is damaged at frame 1 of \d+: \d+ journal entries \(1–80\)"):
        started(state)


def test_a_last_frame_damaged_is_told_apart_from_nothing_yet_started_but_said(crashed, tmp_path):
    """A crash mid-write leaves a last frame whose checksum fails, and loses only an unanswered request:
    the server starts, and says so."""
    state = copied(crashed, tmp_path)
    damage(Path(f"{state}-wal"), frames(state)[-1] + 24 + 100)
    journal = Journal(state)
    assert "the last write in its -wal is incomplete" in journal.notes[0]
    b = backend(journal=journal)
    assert len(b.sim.jobs) >= JOBS - 1
    b.close()


def test_a_refusal_of_any_kind_writes_nothing_and_merges_no_wal(crashed, tmp_path):
    """The old server, refused, closed the file read-write: SQLite merged the -wal into the main file
    and deleted it."""
    state = copied(crashed, tmp_path)
    before = files(state)
    with pytest.raises(StateError, match="it was started with --region us-east-1, not eu-west-1"):
        backend(journal=Journal(state), region="eu-west-1")
    assert files(state) == before and Path(f"{state}-wal").exists()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["wal", "main", "cut"]), at=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_damaged_byte_is_refused_in_one_line_untouched_or_loses_nothing_silently(crashed, where, at, mask):
    """Fuzz: one byte of the -wal or of the main file changed, or the main file cut short. The server
    starts with every job and describes them as answered, or says what it is missing, or refuses in
    one printable line and writes nothing. (The main file has no checksums: a changed byte there may
    replay otherwise.)"""
    with tempfile.TemporaryDirectory() as folder:
        state = copied(crashed, Path(folder))
        target = Path(f"{state}-wal") if where == "wal" else state
        if where == "cut":  # the main file cut short, its -wal beside it
            with state.open("r+b") as main:
                main.truncate(int(at * state.stat().st_size))
        else:
            damage(target, int(at * target.stat().st_size), mask)
        before = files(state)
        try:
            journal = Journal(state)
            b = backend(journal=journal)
        except StateError as refused:
            assert "\n" not in str(refused) and str(refused).isprintable()
            assert str(refused).startswith(f"--state {state}: ")
            assert files(state) == before
            return
        if where == "wal":
            shown = {name: describe(b, name) for name in b.sim.jobs}
            if journal.notes:  # a last frame that failed: at most the last entry (a clock move) is missing
                assert set(shown) <= set(crashed[1]) and len(shown) >= JOBS - 1
            else:
                assert shown == crashed[1]
        b.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(["format", "mode", "speed", "origin", "wall_origin", "region", "account", "tjsim",
                            "other"]),
       value=st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
                       st.text(max_size=30), st.binary(max_size=10), st.lists(st.integers(), max_size=3),
                       st.sampled_from(["NaN", "Infinity", "-1e400", "1e300", "-5", "\"manual\"", "\"realtime\"",
                                        "0", "{}", "\"eu-west-1\"", "\"123456789012\"", "1e308"])),
       how=st.sampled_from(["json", "raw", "delete"]))
def test_any_damaged_setting_is_one_printable_line_or_a_start(crashed, key, value, how):
    with tempfile.TemporaryDirectory() as folder:
        state = copied(crashed, Path(folder))
        backend(journal=Journal(state)).close()  # merged: the settings in the main file
        with contextlib.closing(sqlite3.connect(state)) as db, db:
            if how == "delete":
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                raw = isinstance(value, bytes) or (how == "raw" and isinstance(value, str | int | float))
                stored = value if raw else json.dumps(value)
                if raw and value != value:  # SQLite stores a NaN as NULL, which the column refuses: its text
                    stored = "nan"
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, stored))
        before = files(state)
        try:
            b = Backend(journal=Journal(state), stories=Stories(ROOT / "scenarios"))  # the file's origin
        except StateError as refused:
            assert "\n" not in str(refused) and str(refused).isprintable()
            assert files(state) == before
            return
        assert len(b.sim.jobs) == JOBS and iso(b.now)
        b.close()


def test_accepted_once_the_damage_is_dropped_and_a_later_crash_loses_nothing(crashed, tmp_path):
    """The accepting server used to write after the damaged frames, which a later restart read as lost
    again."""
    state = copied(crashed, tmp_path)
    damage(Path(f"{state}-wal"), frames(state)[len(frames(state)) // 2] + 24 + 1000)
    b = backend(journal=Journal(state, damaged_wal=True))
    create_training_job(b, request("after"))
    crash = tmp_path / "again"
    crash.mkdir()
    for suffix in ("", "-wal"):  # a kill -9 now
        shutil.copyfile(f"{state}{suffix}", f"{crash / 's.db'}{suffix}")
    b.close()
    again = started(crash / "s.db")  # not refused: nothing acknowledged since is lost
    assert "after" in again.sim.jobs
    again.close()


def test_a_second_acceptance_keeps_the_first_copy(crashed, tmp_path):
    state = copied(crashed, tmp_path)
    live = frames(state)
    damage(Path(f"{state}-wal"), live[len(live) // 2] + 24 + 1000)
    first = Path(f"{state}-wal").read_bytes()
    Path(f"{state}-wal.damaged").write_bytes(b"an earlier copy")
    Journal(state, damaged_wal=True).close()
    assert Path(f"{state}-wal.damaged").read_bytes() == b"an earlier copy"
    assert Path(f"{state}-wal.damaged.1").read_bytes() == first


def test_a_missing_main_file_beside_a_wal_is_refused_and_the_wal_kept(crashed, tmp_path):
    """SQLite, given no main file, starts an empty one and deletes the -wal beside it."""
    state = copied(crashed, tmp_path)
    state.unlink()
    wal_bytes = Path(f"{state}-wal").read_bytes()
    with pytest.raises(StateError, match="it is missing, less than a page, but its -wal holds"):
        Journal(state)
    assert Path(f"{state}-wal").read_bytes() == wal_bytes and not state.exists()


def test_a_last_transaction_partly_written_as_power_loss_leaves_it_starts_with_a_warning(crashed, tmp_path):
    """Its first frame never reached the disk (zeros), its commit frame did: only that unanswered
    request is at stake."""
    state = copied(crashed, tmp_path)
    live = frames(state)
    last_commit_start = next(i for i in range(len(live) - 2, -1, -1)
                             if struct.unpack(">I", Path(f"{state}-wal").read_bytes()[live[i] + 4:live[i] + 8])[0])
    data = bytearray(Path(f"{state}-wal").read_bytes())
    first = live[last_commit_start + 1]  # the last transaction's first frame
    data[first:first + 24] = bytes(24)
    Path(f"{state}-wal").write_bytes(bytes(data))
    journal = Journal(state)
    assert journal.notes and "incomplete" in journal.notes[0]
    backend(journal=journal).close()
