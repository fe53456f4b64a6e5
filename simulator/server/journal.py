"""State that survives: every accepted mutation written to SQLite before it is answered.

The simulation is deterministic, so the journal is all the state there is: restarting on the same
file replays it (creates, actions and clock moves, each at its simulated time) and answers every
describe as before. Each entry is committed with ``synchronous=FULL`` before the request is
answered, so a ``kill -9`` loses no acknowledged request.

The file is marked as tjsim's (SQLite's ``application_id``): another program's database is refused,
never written to. One server holds it at a time (SQLite's exclusive locking mode): a second server
started on the same file is refused rather than left to write a history the first does not know.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import JournalFailure, StateError

#: SQLite's application_id of a tjsim state file ("tjsm")
APPLICATION_ID = int.from_bytes(b"tjsm", "big")
FORMAT = 1  #: the journal's format; a file of another format is refused

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,          -- simulated seconds when it was accepted
    kind TEXT NOT NULL,        -- create | act | clock
    payload TEXT NOT NULL      -- JSON
);
"""


class Journal:
    """An append-only log of accepted mutations in the SQLite file at ``path``, held by this
    process until :meth:`close`.

    Raises:
        StateError: the file cannot be opened, is not a tjsim state file (or of another format),
            or another server holds it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise StateError(f"--state {self.path}: cannot open it ({err})") from None
        try:
            self._open()
        except sqlite3.OperationalError as err:
            self._db.close()
            if "locked" in str(err):
                raise StateError(f"--state {self.path}: another tjsim serve is using it; stop that server or "
                                 "give this one another file") from None
            raise StateError(f"--state {self.path}: cannot use it as a tjsim state file ({err})") from None
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise StateError(f"--state {self.path}: not a readable tjsim state file ({err})") from None
        except StateError:
            self._db.close()
            raise

    def _open(self) -> None:
        db = self._db
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")  # takes the lock, and keeps it: no other server can share the file
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            marked = db.execute("PRAGMA application_id").fetchone()[0]
            if not tables and not marked:  # a new file
                db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO meta (key, value) VALUES ('format', ?)", (json.dumps(FORMAT),))
            elif marked != APPLICATION_ID:
                raise StateError(f"--state {self.path}: another program's database, not a tjsim state file; "
                                 "give tjsim a file of its own")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        written = self.meta().get("format")
        if written != FORMAT:
            raise StateError(f"--state {self.path}: a state file of format {written!r}; this tjsim reads "
                             f"format {FORMAT}")

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def meta(self) -> dict[str, Any]:
        """What the file was started with (only its format for a new file)."""
        try:
            return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM meta")}
        except (sqlite3.DatabaseError, ValueError) as err:
            raise StateError(f"--state {self.path}: its settings cannot be read ({err})") from None

    def set_meta(self, values: dict[str, Any]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in values.items()])

    def append(self, at: float, kind: str, payload: dict[str, Any]) -> None:
        """Write one entry, durably (its own transaction, synced), before the mutation is applied.

        Raises:
            JournalFailure: the file could not take it (a full disk, an I/O error); nothing of it is
                in the file.
        """
        try:
            self._db.execute("INSERT INTO entries (at, kind, payload) VALUES (?, ?, ?)",
                             (at, kind, json.dumps(payload, separators=(",", ":"))))
        except sqlite3.Error as err:
            raise JournalFailure(f"the state file {self.path} cannot be written ({err}): nothing was changed; "
                                 "try again once it can") from None

    def entries(self) -> Iterator[tuple[int, float, str, dict[str, Any]]]:
        """(sequence number, simulated seconds, kind, payload) of every entry, in order.

        Raises:
            StateError: an entry cannot be read.
        """
        try:
            for seq, at, kind, payload in self._db.execute("SELECT seq, at, kind, payload FROM entries ORDER BY seq"):
                yield seq, at, kind, json.loads(payload)
        except (sqlite3.DatabaseError, ValueError) as err:
            raise StateError(f"--state {self.path}: its entries cannot be read ({err})") from None

    def close(self) -> None:
        """Merge the WAL into the file and let go of it: the ``.db`` alone then holds every entry."""
        with contextlib.suppress(sqlite3.Error):  # a damaged or read-only file: closing is all there is to do
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
