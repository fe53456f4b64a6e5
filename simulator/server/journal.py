"""State that survives: every accepted mutation written to SQLite before it is answered.

The simulation is deterministic, so the journal is all the state there is: restarting on the same
file replays it (creates, stops, updates, injections and clock moves, each at its simulated time)
and answers every describe as before. Each entry is committed with ``synchronous=FULL`` before the
request is answered, so a ``kill -9`` loses no acknowledged request.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,          -- simulated seconds when it was accepted
    kind TEXT NOT NULL,        -- create | stop | update | inject | clock
    payload TEXT NOT NULL      -- JSON
);
"""


class Journal:
    """An append-only log of accepted mutations in the SQLite file at ``path``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def meta(self) -> dict[str, Any]:
        """What the file was started with (empty for a new file)."""
        return {key: json.loads(value) for key, value in self._db.execute("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, Any]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 [(k, json.dumps(v)) for k, v in values.items()])

    def append(self, at: float, kind: str, payload: dict[str, Any]) -> None:
        """Write one entry, durably, before the mutation is answered."""
        self._db.execute("INSERT INTO entries (at, kind, payload) VALUES (?, ?, ?)",
                         (at, kind, json.dumps(payload, separators=(",", ":"))))

    def entries(self) -> Iterator[tuple[float, str, dict[str, Any]]]:
        for at, kind, payload in self._db.execute("SELECT at, kind, payload FROM entries ORDER BY seq"):
            yield at, kind, json.loads(payload)

    def close(self) -> None:
        self._db.close()
