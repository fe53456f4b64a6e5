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
import math
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import JournalFailure, StateError
from . import wal

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


#: where snapshots are kept (:mod:`.snapshots`): a cache of the entries' replay, made when first written
_SNAPSHOTS = """
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,      -- the last entry it holds the replay of
    at REAL NOT NULL,          -- simulated seconds it was taken at
    code TEXT NOT NULL,        -- the tjsim code that wrote it (pickles are read only by the same)
    jobs BLOB NOT NULL,        -- the jobs settled since the snapshot before, and the events numbered since
    feed BLOB NOT NULL         -- where the feed stands (the newest snapshot's; empty in the others)
)
"""


class Snapshot(NamedTuple):
    """A snapshot row, as :mod:`.snapshots` writes and reads it."""

    seq: int
    at: float
    code: str
    jobs: bytes
    feed: bytes


class Journal:
    """An append-only log of accepted mutations in the SQLite file at ``path``, held by this
    process until :meth:`close`.

    A file with anything in it is read first through a read-only connection: its settings and its
    entries are checked and replayed, and only then does :meth:`take` open it for writing. A file
    that is refused is thus never written to, nor its ``-wal`` (whose transactions a checkpoint
    would have merged, and deleted): what it holds stays for whoever recovers it.

    Args:
        damaged_wal: start even though the ``-wal`` is damaged (:mod:`.wal`), with the entries that
            can be read; the ``-wal`` is first copied beside it, to ``<file>-wal.damaged``.

    Raises:
        StateError: the file cannot be opened, is not a tjsim state file (or of another format),
            another server holds it, or its ``-wal`` is damaged (and ``damaged_wal`` is not given).
    """

    def __init__(self, path: str | Path, *, damaged_wal: bool = False):
        self.path = Path(path)
        self.notes: list[str] = []  #: what the server says as it starts (a damaged -wal it started with)
        self._drop_tail = False
        size = self.path.stat().st_size if self.path.exists() else None
        held = wal.size(self.path)
        if held and (size is None or size < wal.page_size(self.path)):
            # SQLite, even read-only, deletes the -wal of an empty main file (and a missing one is made
            # empty); one shorter than a page was cut short: either is refused before SQLite opens it
            raise StateError(f"--state {self.path}: {'it is missing' if size is None else f'it is {size} bytes'}, "
                             f"less than a page, but its -wal holds {held} bytes: the main file was cut short, "
                             "replaced or moved; restore it")
        self.read_only = size is not None and (size > 0 or Path(f"{path}-wal").exists())
        damage = wal.inspect(self.path) if self.read_only else None
        #: the -wal and -shm a read-only reader of a WAL file makes when they are missing: removed after
        self._made = [side for side in (Path(f"{path}-wal"), Path(f"{path}-shm"))
                      if self.read_only and not side.exists()]
        self._db = self._connect()
        if damage is not None:
            self._damaged(damage, accepted=damaged_wal)

    def _connect(self) -> sqlite3.Connection:
        target = f"{self.path.resolve().as_uri()}?mode=ro" if self.read_only else str(self.path)
        try:
            db = sqlite3.connect(target, timeout=0, isolation_level=None, check_same_thread=False,
                                 uri=self.read_only)
        except sqlite3.Error as err:
            raise StateError(f"--state {self.path}: cannot open it ({err})") from None
        try:
            self._check(db)
        except sqlite3.OperationalError as err:
            if "locked" in str(err):
                self._made = []  # another server's: its -wal and -shm are not ours to remove
            self._let_go(db)
            if "locked" in str(err):
                raise StateError(f"--state {self.path}: another tjsim serve is using it; stop that server or "
                                 "give this one another file") from None
            raise StateError(f"--state {self.path}: cannot use it as a tjsim state file ({err})") from None
        except sqlite3.DatabaseError as err:
            self._let_go(db)
            raise StateError(f"--state {self.path}: not a readable tjsim state file ({err})") from None
        except StateError:
            self._let_go(db)
            raise
        return db

    def _check(self, db: sqlite3.Connection) -> None:
        """Check the file is tjsim's, of this format; read-write, make a new file one, and take it."""
        if not self.read_only:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
            db.execute("BEGIN EXCLUSIVE")  # takes the lock, and keeps it: no other server can share the file
        else:
            db.execute("BEGIN")  # one snapshot for every check
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            marked = db.execute("PRAGMA application_id").fetchone()[0]
            if not tables and not marked:  # a new file
                self.fresh = True
                if not self.read_only:
                    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute("INSERT INTO meta (key, value) VALUES ('format', ?)", (json.dumps(FORMAT),))
            elif marked != APPLICATION_ID:
                raise StateError(f"--state {self.path}: another program's database, not a tjsim state file; "
                                 "give tjsim a file of its own")
            else:
                self.fresh = False
                written = self._meta(db).get("format")
                if written != FORMAT:
                    raise StateError(f"--state {self.path}: a state file of format {_short(written)}; this "
                                     f"tjsim reads format {FORMAT}")
            self.last = db.execute("SELECT max(seq) FROM entries").fetchone()[0] if not self.fresh else None
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if not self.read_only:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")

    def _damaged(self, damage: wal.Damage, *, accepted: bool) -> None:
        """Refuse a damaged -wal (or, accepted, keep a copy of it and say so)."""
        lost = sorted(seq for seq in damage.seqs if seq > (self.last or 0))
        kept = f"{self.path}-wal.damaged"
        if damage.torn:
            self.notes.append(f"--state {self.path}: the last write in its -wal is incomplete, as a server "
                              f"stopped mid-write leaves it (that request was never answered)"
                              f"{f'; had the file been damaged, entry {_ranges(lost)} would be lost' if lost else ''}")
            return
        what = (f"{len(lost)} journal entries ({_ranges(lost)})" if lost else
                f"{damage.commits} written transactions")
        if not accepted:
            self._let_go(self._db)
            raise StateError(f"--state {self.path}: its -wal is damaged at frame {damage.at} of {damage.of}: "
                             f"{what} after it cannot be read, and would be lost; keep the files as they are to "
                             f"recover them, or start with --accept-damaged-wal to go on with the {self.last or 0} "
                             "entries that can be read")
        number = 1
        while Path(kept).exists():  # an earlier copy is evidence too
            kept, number = f"{self.path}-wal.damaged.{number}", number + 1
        shutil.copyfile(f"{self.path}-wal", kept)
        self._drop_tail = True  # once taken: the damaged frames are dropped from the -wal
        self.notes.append(f"--state {self.path}: its -wal is damaged: started without {what}; the -wal is kept as "
                          f"{kept}")

    def take(self) -> None:
        """Open a file read so far read-only for writing, and hold it: its entries are checked to be
        those read (nothing wrote to it in between).

        Raises:
            StateError: another server holds it now, or its entries changed.
        """
        if not self.read_only:
            return
        last = self.last
        self._let_go(self._db)
        self.read_only = False
        self._db = self._connect()
        if self.last != last:
            self._let_go(self._db)
            raise StateError(f"--state {self.path}: it was written to while this server read it: start again")
        if self._drop_tail:  # merged, and the -wal emptied: its damaged frames would be read as lost again
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._drop_tail = False

    def _let_go(self, db: sqlite3.Connection) -> None:
        """Close ``db``, and remove the empty -wal and the -shm that reading it made: nothing of the
        file is changed by reading it."""
        with contextlib.suppress(sqlite3.Error):
            db.close()
        for side in self._made:
            with contextlib.suppress(OSError):
                if side.name.endswith("-shm") or side.stat().st_size == 0:
                    side.unlink()
        self._made = []

    def __repr__(self) -> str:
        return f"<Journal {self.path}>"

    def meta(self) -> dict[str, Any]:
        """What the file was started with (only its format for a new file)."""
        return self._meta(self._db)

    def _meta(self, db: sqlite3.Connection) -> dict[str, Any]:
        try:
            return {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
        except (sqlite3.DatabaseError, ValueError, TypeError) as err:
            raise StateError(f"--state {self.path}: its settings cannot be read ({_short(err)})") from None

    def set_meta(self, values: dict[str, Any]) -> None:
        """Write what a new file is started with (once :meth:`take` has opened it for writing)."""
        assert not self.read_only, "take() the file before writing to it"
        with self._transaction() as db:  # a file has all its settings or none
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           [(k, json.dumps(v)) for k, v in values.items()])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction on the file: committed whole, or rolled back whole."""
        db = self._db
        db.execute("BEGIN")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def append(self, at: float, kind: str, payload: dict[str, Any]) -> None:
        """Write one entry, durably (its own transaction, synced), before the mutation is applied.

        Raises:
            JournalFailure: the file could not take it (a full disk, an I/O error); nothing of it is
                in the file.
        """
        assert not self.read_only, "take() the file before writing to it"
        try:
            self.last = self._db.execute("INSERT INTO entries (at, kind, payload) VALUES (?, ?, ?)",
                                         (at, kind, json.dumps(payload, separators=(",", ":")))).lastrowid
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
                if not isinstance(at, int | float) or not 0 <= at < math.inf or not isinstance(kind, str) or \
                        not isinstance(payload, str):
                    raise StateError(f"--state {self.path}: entry {seq} is damaged: at {_short(at)}, kind "
                                     f"{_short(kind)}, payload of type {type(payload).__name__}")
                yield seq, at, kind, json.loads(payload)
        except (sqlite3.DatabaseError, ValueError) as err:
            raise StateError(f"--state {self.path}: its entries cannot be read ({_short(err)})") from None

    def keep(self, snapshot: Snapshot, *, chained: bool) -> None:
        """Write a snapshot (:mod:`.snapshots`) in one transaction, synced; ``chained``: it follows the
        file's others, else it replaces them.

        Raises:
            JournalFailure: the file could not take it; nothing of it is in the file.
        """
        assert not self.read_only, "take() the file before writing to it"
        try:
            with self._transaction() as db:
                db.execute(_SNAPSHOTS)
                if chained:  # where the feed stands is read from the newest alone: the one row holding it
                    db.execute("UPDATE snapshots SET feed = x'' WHERE length(feed) > 0")
                else:
                    db.execute("DELETE FROM snapshots")
                db.execute("INSERT INTO snapshots (seq, at, code, jobs, feed) VALUES (?, ?, ?, ?, ?)", snapshot)
        except sqlite3.Error as err:
            raise JournalFailure(f"the state file {self.path} cannot be written ({err})") from None

    def snapshots(self) -> list[Snapshot]:
        """The file's snapshots, oldest first (none in a file written before there were any).

        Raises:
            sqlite3.DatabaseError, ValueError: they cannot be read.
        """
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'").fetchone():
            return []
        rows = self._db.execute("SELECT seq, at, code, jobs, feed FROM snapshots ORDER BY id").fetchall()
        for row in rows:
            if not (isinstance(row[0], int) and isinstance(row[1], float) and isinstance(row[2], str)
                    and isinstance(row[3], bytes) and isinstance(row[4], bytes)):
                raise ValueError(f"a snapshot row is damaged: {_short(row[:3])}")
        return [Snapshot(*row) for row in rows]

    def close(self) -> None:
        """Merge the WAL into the file and let go of it: the ``.db`` alone then holds every entry (a
        file only read is left as it was)."""
        if not self.read_only:
            with contextlib.suppress(sqlite3.Error):  # a damaged file: closing is all there is to do
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._let_go(self._db)


def _ranges(seqs: list[int]) -> str:
    """Sorted numbers as runs: ``312–340, 345``."""
    runs: list[list[int]] = []
    for seq in seqs:
        if runs and seq == runs[-1][1] + 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
    return ", ".join(f"{a}–{b}" if b > a else f"{a}" for a, b in runs)


def _short(value: Any) -> str:
    """A value read from a damaged file, at most 80 characters (a :class:`StateError` escapes what is
    not printable)."""
    return repr(value)[:80] if not isinstance(value, BaseException) else str(value)[:80]
