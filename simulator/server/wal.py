"""Reading a state file's ``-wal`` as SQLite would, to tell what a damage in it would lose.

SQLite reads a WAL's frames in order and stops at the first whose salt or checksum is wrong: every
transaction after it is dropped without a word, and the next checkpoint overwrites it (the format:
https://www.sqlite.org/fileformat2.html#walformat). A server restarted on a damaged ``-wal`` would
thus start with fewer jobs than it acknowledged. :func:`inspect` reads the frames itself, finds the
transactions committed after such a break (commit frames of the same WAL, told by their salts: an
earlier WAL's frames differ in both), and the journal entries in their pages, by sequence number.

Frames a crash leaves behind are not damage: a transaction whose commit frame was never written,
or a last transaction written in part (its request was never answered; a machine that lost power
may keep any of its frames). A damage confined to the last transaction looks the same, and is
reported as a warning; a damage to the salts of the WAL's very last frame is not seen at all.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

_MAGIC = (0x377F0682, 0x377F0683)  #: checksums in little- and big-endian words
_HEADER, _FRAME = 32, 24
#: the kinds of entry the journal writes (:mod:`.statefile`), to tell its rows from others in a page
KINDS = (b"create", b"act", b"tags", b"clock")


@dataclass
class Damage:
    """What a WAL's break drops: ``at`` the frame (1-based) where SQLite stops reading, ``of`` frames
    in the file; ``commits`` acknowledged transactions after it; ``seqs`` journal entries found in
    their pages (some may also be in what is read); ``torn``: only a last frame is bad, as a crash
    mid-write leaves it."""

    at: int
    of: int
    commits: int
    seqs: set[int] = field(default_factory=set)
    torn: bool = False


def inspect(path: Path) -> Damage | None:
    """The damage in ``path``'s ``-wal`` that SQLite would read past silently, or None (no WAL, an
    intact one, or one whose break is what a crash leaves)."""
    try:
        data = Path(f"{path}-wal").read_bytes()
    except OSError:
        return None
    if len(data) <= _HEADER:
        return None
    magic, _, size, _, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:_HEADER])
    header_ok = magic in _MAGIC and 512 <= size <= 65536 and not size & (size - 1)
    size = size if header_ok else _page_size(data)
    if size is None:
        return None
    count = (len(data) - _HEADER) // (_FRAME + size)
    frames = [_Frame(data, _HEADER + i * (_FRAME + size), size) for i in range(count)]
    if not frames:
        return None
    endian = ">" if magic == _MAGIC[1] else "<"
    header_ok = header_ok and _checksum(data[:24], (0, 0), endian) == (c1, c2)
    if header_ok:  # SQLite reads frame by frame, to the first of another WAL's salts or a wrong checksum
        seed, bad = (c1, c2), None
        for index, frame in enumerate(frames):
            if frame.salts != (salt1, salt2) or frame.pgno == 0 or frame.checksum(seed, endian) != frame.stored:
                bad = index
                break
            seed = frame.stored
        if bad is None:
            return None
    else:  # SQLite reads none of it; its frames are those carrying the first frame's salts
        bad, (salt1, salt2) = 0, frames[0].salts
    # this WAL's frames after the break: an earlier WAL's differ in both salts (the first counts up,
    # the second is drawn anew), a damaged one in the one damaged
    lost = [frame for frame in frames[bad:] if frame.salts[0] == salt1 or frame.salts[1] == salt2]
    commits = sum(1 for frame in lost if frame.commit)
    if not commits:
        return None  # a stale frame of an earlier WAL, or a transaction never committed
    if header_ok and commits == 1 and lost[-1].commit:
        # only the last transaction, its commit the WAL's last frame: as a crash mid-write leaves it (a
        # process killed between two writes, or a machine that lost some of the frames never synced)
        return Damage(at=bad + 1, of=len(frames), commits=0, seqs=_seqs(lost), torn=True)
    return Damage(at=bad + 1, of=len(frames), commits=commits, seqs=_seqs(lost))


def size(path: Path) -> int:
    """The size of ``path``'s ``-wal`` in bytes (0: none)."""
    try:
        return Path(f"{path}-wal").stat().st_size
    except OSError:
        return 0


def page_size(path: Path) -> int:
    """The page size ``path``'s ``-wal`` gives (SQLite's default when it cannot be read)."""
    try:
        with Path(f"{path}-wal").open("rb") as data:
            size = struct.unpack(">I", data.read(_HEADER)[8:12])[0]
    except (OSError, struct.error):
        return 4096
    return size if 512 <= size <= 65536 and not size & (size - 1) else 4096


class _Frame:
    """One frame: its header's fields, and its page."""

    def __init__(self, data: bytes, start: int, size: int):
        self.pgno, self.commit, s1, s2, f1, f2 = struct.unpack(">6I", data[start:start + _FRAME])
        self.salts, self.stored = (s1, s2), (f1, f2)
        self._head = data[start:start + 8]
        self.page = data[start + _FRAME:start + _FRAME + size]

    def checksum(self, seed: tuple[int, int], endian: str) -> tuple[int, int]:
        return _checksum(self._head + self.page, seed, endian)


def _page_size(data: bytes) -> int | None:
    """The page size, when the header's is damaged: the one whose frames line up."""
    for size in (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512):
        if len(data) >= _HEADER + 2 * (_FRAME + size):
            first = data[_HEADER + 8:_HEADER + 16]
            if data[_HEADER + _FRAME + size + 8:_HEADER + _FRAME + size + 16] == first:
                return size
    return None


#: word pairs in the largest block checksummed: a frame header's first 8 bytes and a 64 KiB page
_PAIRS = (8 + 65536) // 8


@cache
def _powers() -> np.ndarray:
    """M^j for the checksum's recurrence (s0 += a + s1; s1 += b + s0), j = 0.._PAIRS, as uint64
    (wrapping arithmetic modulo 2**64 keeps every value right modulo 2**32): one frame is then two
    dot products."""
    out, m = [], (1, 0, 0, 1)  # the identity, as (m00, m01, m10, m11)
    for _ in range(_PAIRS + 1):
        out.append(m)
        m = tuple(x & 0xFFFFFFFF for x in (m[0] + m[2], m[1] + m[3], m[0] + 2 * m[2], m[1] + 2 * m[3]))
    return np.array(out, dtype=np.uint64)


def _checksum(block: bytes, seed: tuple[int, int], endian: str) -> tuple[int, int]:
    """SQLite's WAL checksum of ``block`` (a multiple of 8 bytes, at most a frame's) from ``seed``."""
    words = np.frombuffer(block, dtype=np.dtype(np.uint32).newbyteorder(endian)).astype(np.uint64)
    a, b = words[0::2], words[1::2]
    n = len(a)
    powers = _powers()
    with np.errstate(over="ignore"):
        c0, c1 = a, a + b  # each step adds (a, a + b) to M times the state
        rev = powers[n - 1::-1] if n else powers[:0]
        s0 = (rev[:, 0] * c0 + rev[:, 1] * c1).sum(dtype=np.uint64)
        s1 = (rev[:, 2] * c0 + rev[:, 3] * c1).sum(dtype=np.uint64)
        m = powers[n]
        s0 += m[0] * np.uint64(seed[0]) + m[1] * np.uint64(seed[1])
        s1 += m[2] * np.uint64(seed[0]) + m[3] * np.uint64(seed[1])
    return int(s0) & 0xFFFFFFFF, int(s1) & 0xFFFFFFFF


def _seqs(frames: list[_Frame]) -> set[int]:
    """The sequence numbers of journal entries in these pages (table leaves whose rows are an
    entry's: a NULL key, a number, then a kind the journal writes)."""
    found: set[int] = set()
    for frame in frames:
        try:
            found.update(_leaf_seqs(frame.page, 100 if frame.pgno == 1 else 0))
        except (IndexError, struct.error, ValueError):
            continue  # a damaged page: what it held cannot be told
    return found


def _leaf_seqs(page: bytes, off: int) -> list[int]:
    if page[off] != 0x0D:  # not a table b-tree leaf
        return []
    cells = struct.unpack(">H", page[off + 3:off + 5])[0]
    seqs = []
    for i in range(cells):
        pos = struct.unpack(">H", page[off + 8 + 2 * i:off + 10 + 2 * i])[0]
        _, pos = _varint(page, pos)  # the payload's length
        rowid, pos = _varint(page, pos)
        header, body = _varint(page, pos)
        end, types, cursor = pos + header, [], body
        while cursor < end:
            kind, cursor = _varint(page, cursor)
            types.append(kind)
        if len(types) != 4 or types[0] != 0 or types[2] < 13 or types[2] % 2 == 0:
            continue
        number = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}.get(types[1])
        if number is None:
            continue
        text = end + number
        if page[text:text + (types[2] - 13) // 2] in KINDS:
            seqs.append(rowid)
    return seqs


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """SQLite's big-endian varint at ``pos``: (value, the position after it)."""
    value = 0
    for i in range(9):
        byte = data[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise ValueError("varint")
