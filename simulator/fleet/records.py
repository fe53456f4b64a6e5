"""A team's job history: DescribeTrainingJob responses read one at a time, as the AWS CLI prints them
(``aws sagemaker describe-training-job``), as boto3 returns them, or as the service sends them.

A source is a ``.json`` file (one response, or a list of them), a ``.jsonl`` file (one response a
line), or a directory of such files (read in name order, recursively). Records are read lazily: a
history of any length is read in memory that holds one record, and the names seen.

Each record is brought to the wire form (timestamps as epoch seconds: the CLI's ISO 8601 text,
boto3's ``str()`` of a datetime and epoch milliseconds, as EventBridge's events carry them, are all
read) and checked against botocore's output shape. Members the model does not know (a response
newer than botocore) are left out, not refused. What cannot serve is a :class:`Bad` record naming
its file and line: ``damaged`` (not JSON, not a response, a member of the wrong type), ``partial``
(a member the analysis needs is missing) or ``duplicate`` (a job already read).
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from botocore.model import Shape

from .. import conformance, service

_OUTPUT = service.output_shape("DescribeTrainingJob")
#: what the analysis reads of every record, beyond what the shape requires
NEEDED = ("SecondaryStatusTransitions", "ResourceConfig")
#: epoch numbers above this are milliseconds (EventBridge's); seconds reach it in the year 5138
_MILLIS = 1e11
_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?")


@dataclass(frozen=True, slots=True)
class Record:
    """One response, in the wire form, and where it was read (``file:line``, or the endpoint)."""

    where: str
    response: dict[str, Any]

    @property
    def name(self) -> str:
        return self.response["TrainingJobName"]


@dataclass(frozen=True, slots=True)
class Bad:
    """A record that cannot serve: where, what kind of trouble (damaged, partial, duplicate), and what."""

    where: str
    kind: str
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.kind}: {self.problem}"


class Reader:
    """Reads records from files and directories (:meth:`read`) or any iterable of (where, value)
    pairs (:meth:`check`), yielding those that serve; :attr:`bad` holds the others, in order."""

    def __init__(self) -> None:
        self.bad: list[Bad] = []
        self.read_count = 0  #: records read, good and bad
        self._seen: dict[str, str] = {}  # job: where it was first read

    def read(self, sources: Iterable[str | Path]) -> Iterator[Record]:
        """The records of ``sources`` (files or directories) that serve.

        Raises:
            FileNotFoundError: a source does not exist.
        """
        for source in sources:
            path = Path(source)
            if not path.exists():
                raise FileNotFoundError(f"{path}: no such file or directory")
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".json", ".jsonl") and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts)) \
                if path.is_dir() else [path]  # hidden folders (.ipynb_checkpoints) hold copies, not records
            for file in files:
                yield from self.check(_values(file))

    def check(self, values: Iterable[tuple[str, Any]]) -> Iterator[Record]:
        """Of ``(where, value)`` pairs (a value: a response as read, or an exception met reading it),
        the records that serve."""
        for where, value in values:
            self.read_count += 1
            record = self._record(where, value)
            if isinstance(record, Bad):
                self.bad.append(record)
            else:
                yield record

    def _record(self, where: str, value: Any) -> Record | Bad:
        if isinstance(value, Exception):
            return Bad(where, "damaged", f"not JSON ({str(value).splitlines()[0][:120]})")
        if not isinstance(value, dict) or "TrainingJobName" not in value:
            return Bad(where, "damaged", "not a DescribeTrainingJob response (no TrainingJobName)")
        try:
            wire = _wire(value, _OUTPUT)
        except (ValueError, TypeError, OverflowError) as err:
            return Bad(where, "damaged", f"a time that cannot be read ({str(err)[:120]})")
        problems = [p for p in conformance.shape_problems(wire) if not p.message.startswith("unknown member")]
        missing = [p for p in problems if p.message == "required member is missing"]
        if problems and len(missing) < len(problems):
            return Bad(where, "damaged", str(next(p for p in problems if p not in missing))[:200])
        absent = [p.path for p in missing] + [k for k in NEEDED if k not in wire]
        if absent:
            return Bad(where, "partial", f"{', '.join(absent)} missing")
        name = wire["TrainingJobName"]
        key = wire.get("TrainingJobArn", name)  # the same name in two accounts or regions is two jobs
        if key in self._seen:
            return Bad(where, "duplicate", f"{name} was read already, at {self._seen[key]}")
        self._seen[key] = where
        return Record(where, wire)


def _values(file: Path) -> Iterator[tuple[str, Any]]:
    """``(file:line, value)`` of each response in ``file``: a line of a ``.jsonl`` (each decoded on its
    own: a bad byte spoils its line alone), else the file's one value, read whole (a list: each item).
    UTF-8, with or without a byte-order mark (PowerShell writes one)."""
    if file.suffix.lower() == ".jsonl":
        with file.open("rb") as lines:
            for number, raw in enumerate(lines, 1):
                text = _text(raw[3:] if number == 1 and raw.startswith(codecs.BOM_UTF8) else raw)
                if isinstance(text, Exception) or text.strip():
                    yield f"{file}:{number}", text if isinstance(text, Exception) else _loads(text)
        return
    text = _text(file.read_bytes().removeprefix(codecs.BOM_UTF8))
    value = text if isinstance(text, Exception) else _loads(text)
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{file}[{index}]", item
    else:
        yield f"{file}:1", value


def _text(raw: bytes) -> str | ValueError:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return ValueError(f"not UTF-8 text ({err.reason} at byte {err.start} of the line)")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        return err


def _wire(value: Any, shape: Shape) -> Any:
    """``value`` in the wire form of ``shape``: timestamps as epoch seconds, members the model does not
    know left out, ``ResponseMetadata`` (boto3's) dropped."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _wire(v, members[k]) for k, v in value.items() if k in members}
    if kind == "list" and isinstance(value, list):
        return [_wire(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _wire(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return epoch(value)
    return value


def epoch(value: Any) -> Any:
    """A timestamp as epoch seconds: ISO 8601 text (the CLI's), ``str(datetime)`` (boto3's, dumped),
    a datetime, epoch seconds or milliseconds; a time without a zone is UTC, as AWS writes them.
    Anything else is given back, for the shape to refuse.

    Raises:
        ValueError: text that is no time.
    """
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value) or not 0 <= value < 1e14:  # 1970 to the year 5138, in seconds or ms
            raise ValueError(f"{value!r} is not a time")
        return value / 1000 if value > _MILLIS else float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):  # epoch seconds (or ms) written as text
        return epoch(float(value))
    if isinstance(value, str):
        try:  # ISO 8601, as the CLI and str() write it
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:  # RFC 1123, as HTTP and some SDKs write it (a date without its day or zone is no time:
                parsed = parsedate_to_datetime(value)  # a lenient parser would fill in today's)
            except (TypeError, ValueError):
                raise ValueError(f"{value[:60]!r} is no ISO 8601 or RFC 1123 time") from None
        return (parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)).timestamp()
    return value
