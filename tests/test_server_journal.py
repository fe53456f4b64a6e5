"""The journal's SQLite file: held by one server at a time, and never another program's."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from simulator.errors import StateError
from simulator.server.journal import Journal


def test_one_server_holds_a_state_file_at_a_time(tmp_path):
    first = Journal(tmp_path / "s.db")
    with pytest.raises(StateError, match="another tjsim serve is using it"):
        Journal(tmp_path / "s.db")
    first.close()
    Journal(tmp_path / "s.db").close()


def test_files_that_are_not_tjsim_state_are_refused_untouched(tmp_path):
    foreign = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(foreign)) as db, db:
        db.execute("CREATE TABLE entries (x)")
    before = foreign.read_bytes()
    with pytest.raises(StateError, match="another program's database"):
        Journal(foreign)
    assert foreign.read_bytes() == before
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 1000)
    with pytest.raises(StateError, match="not a readable tjsim state file"):
        Journal(text)
    with pytest.raises(StateError, match="cannot open it"):
        Journal(tmp_path / "missing" / "s.db")
