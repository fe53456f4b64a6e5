"""CloudWatch Logs for training jobs: ``DescribeLogStreams``, ``GetLogEvents`` and ``FilterLogEvents``
on the log group ``/aws/sagemaker/TrainingJobs``, whose lines :mod:`.joblog` derives from each job's
history. Another log group is moto's (:mod:`.elsewhere`).

Tokens are opaque to clients and stable while the clock moves: a stream list pages by the last name
given (keyset), a stream's events by position (events are only ever added at the end), as the
service's ``f/…``/``b/…`` tokens do.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import shlex
import zlib
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

from .. import service, shapes
from ..errors import TjsimError
from . import joblog
from .elsewhere import Elsewhere

if TYPE_CHECKING:
    from .backend import Backend

_MODEL = service.model("logs")
_TOKEN = re.compile(r"^([fb])/(\d{56})/s$")


class ResourceNotFoundException(TjsimError):
    code = "ResourceNotFoundException"


class InvalidParameterException(TjsimError):
    code = "InvalidParameterException"


def describe_log_streams(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """The group's streams, by name (or by last event time), ``limit`` at a time (default 50).

    Raises:
        InvalidParameterException: an invalid member, token or combination.
    """
    _group(request, "DescribeLogStreams")
    prefix = request.get("logStreamNamePrefix", "")
    by_time = request.get("orderBy", "LogStreamName") == "LastEventTime"
    if by_time and prefix:  # [DOC] the service's rule and words
        raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
    now = joblog.ms(backend.now)
    found = [(stream, stream.visible(now)) for job in _jobs(backend, prefix) for stream in joblog.streams(job)
             if stream.created <= now and stream.name.startswith(prefix)]
    if by_time:
        found.sort(key=lambda s: (_last(*s) or 0, s[0].name), reverse=bool(request.get("descending")))
        keys = [f"{_last(*s) or 0:020d}{s[0].name}" for s in found]
    else:
        found.sort(key=lambda s: s[0].name, reverse=bool(request.get("descending")))
        keys = [s[0].name for s in found]
    start = 0
    if "nextToken" in request:
        after = _unkey(request["nextToken"])
        start = next((i + 1 for i, key in enumerate(keys) if key == after), None)
        if start is None:
            raise InvalidParameterException("The specified nextToken is invalid.")
    limit = request.get("limit", 50)
    page = found[start:start + limit]
    out: dict[str, Any] = {"logStreams": [_stream(backend, stream, count) for stream, count in page]}
    if start + limit < len(found):
        out["nextToken"] = _key(keys[start + limit - 1])
    return out


def get_log_events(backend: Backend, request: dict[str, Any]) -> bytes:
    """A page of one stream's events in ``[startTime, endTime)``: from the head, or the last page
    (``startFromHead`` false, the default), or where a token points, forwards or backwards.

    Raises:
        ResourceNotFoundException: no such stream.
        InvalidParameterException: an invalid member or token.
    """
    _group(request, "GetLogEvents")
    stream = _find_stream(backend, request["logStreamName"])
    times = stream.times
    low = _index(times, request.get("startTime"))
    high = min(_index(times, request.get("endTime")) if "endTime" in request else math.inf,
               stream.visible(joblog.ms(backend.now)))
    high = max(low, high)
    limit = request.get("limit", 10000)
    token = request.get("nextToken")
    if token is not None:
        found = _TOKEN.match(token) if isinstance(token, str) else None
        if found is None or not low <= int(found.group(2)) <= high:
            raise InvalidParameterException("The specified nextToken is invalid.")
        position = int(found.group(2))
        first, last = (position, min(position + limit, high)) if found.group(1) == "f" else \
            (max(low, position - limit), position)
    elif request.get("startFromHead", False):
        first, last = low, min(low + limit, high)
    else:
        first, last = max(low, high - limit), high
    # the wire form at once, from each event's JSON (a stream encodes its events once)
    return b'{"events":[%s],"nextForwardToken":"f/%056d/s","nextBackwardToken":"b/%056d/s"}' % (
        b",".join(stream.encoded()[first:last]), last, first)


def filter_log_events(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Events of the named streams (or those with the prefix, or all) in ``[startTime, endTime]``
    that match ``filterPattern``, in time order across streams, ``limit`` at a time.

    Raises:
        InvalidParameterException: an invalid member, pattern or token; both names and a prefix.
    """
    _group(request, "FilterLogEvents")
    names, prefix = request.get("logStreamNames"), request.get("logStreamNamePrefix", "")
    if names and prefix:  # [DOC] the service's words
        raise InvalidParameterException("logStreamNames and logStreamNamePrefix are mutually exclusive")
    match = _pattern(request.get("filterPattern", ""))
    now = joblog.ms(backend.now)
    start, end = request.get("startTime", 0), request.get("endTime", math.inf)
    chosen = [stream for job in (_named_jobs(backend, names) if names else _jobs(backend, prefix))
              for stream in joblog.streams(job)
              if stream.created <= now and (stream.name in names if names else stream.name.startswith(prefix))]
    merged = sorted((stream.times[i], s, i) for s, stream in enumerate(chosen)
                    for i in range(_index(stream.times, start), stream.visible(now))
                    if stream.times[i] <= end and match(stream.messages[i]))
    position = 0
    if "nextToken" in request:
        position = _position(request["nextToken"], len(merged))
    limit = request.get("limit", 10000)
    page = merged[position:position + limit]
    events = [{"logStreamName": chosen[s].name, "timestamp": t, "message": chosen[s].messages[i], "ingestionTime": t,
               "eventId": _event_id(chosen[s].name, t, i)} for t, s, i in page]
    searched = [{"logStreamName": stream.name, "searchedCompletely": True} for stream in chosen]
    out: dict[str, Any] = {"events": events, "searchedLogStreams": searched}
    if position + limit < len(merged):
        out["nextToken"] = _key(str(position + limit))
    return out


def _event_id(stream: str, timestamp: int, index: int) -> str:
    """An event's id, the same whichever query finds it (``aws logs tail --follow`` drops the ids it
    has seen): digits, as the service's, from its time, its stream and its place there."""
    return f"{timestamp:015d}{zlib.crc32(stream.encode()):010d}{index:010d}"


#: the operations of this module, by name
OPERATIONS = {"DescribeLogStreams": describe_log_streams, "GetLogEvents": get_log_events,
              "FilterLogEvents": filter_log_events}


def _group(request: dict[str, Any], operation: str) -> None:
    """Check the request; a group other than the training jobs' is moto's.

    Raises:
        Elsewhere: another log group.
        InvalidParameterException: the request is invalid, or names no group (or two).
    """
    name, identifier = request.get("logGroupName"), request.get("logGroupIdentifier")
    if name is not None and identifier is not None:
        raise InvalidParameterException("logGroupName and logGroupIdentifier are mutually exclusive")
    group = name if name is not None else identifier
    if isinstance(group, str) and group.startswith("arn:"):
        group = group.split(":log-group:", 1)[-1].removesuffix(":*")
    if group != joblog.GROUP:
        if group is None:
            raise InvalidParameterException("Either logGroupName or logGroupIdentifier must be specified")
        raise Elsewhere(operation)
    problems = shapes.validate_request(request, _MODEL.operation_model(operation).input_shape)
    if problems:
        raise InvalidParameterException("; ".join(map(str, problems)))


def _jobs(backend: Backend, prefix: str):
    """The jobs whose streams may start with ``prefix``."""
    name, slash, _ = prefix.partition("/")
    if slash:
        job = backend.sim.jobs.get(name)
        return [job] if job is not None else []
    return [job for job_name, job in backend.sim.jobs.items() if job_name.startswith(prefix)]


def _named_jobs(backend: Backend, names: list[str]):
    jobs = {name.partition("/")[0] for name in names}
    return [backend.sim.jobs[name] for name in sorted(jobs) if name in backend.sim.jobs]


def _find_stream(backend: Backend, name: str) -> joblog.Stream:
    now = joblog.ms(backend.now)
    for job in _jobs(backend, name.partition("/")[0] + "/"):
        for stream in joblog.streams(job):
            if stream.name == name and stream.created <= now:
                return stream
    raise ResourceNotFoundException("The specified log stream does not exist.")


def _stream(backend: Backend, stream: joblog.Stream, count: int) -> dict[str, Any]:
    out: dict[str, Any] = {"logStreamName": stream.name, "creationTime": stream.created,
                           "arn": f"arn:aws:logs:{backend.region}:{backend.account}:log-group:{joblog.GROUP}"
                                  f":log-stream:{stream.name}", "storedBytes": 0}
    if count:
        out.update(firstEventTimestamp=stream.times[0], lastEventTimestamp=stream.times[count - 1],
                   lastIngestionTime=stream.times[count - 1])
    return out


def _last(stream: joblog.Stream, count: int) -> int | None:
    return stream.times[count - 1] if count else None


def _index(times: list[int], at: Any) -> int:
    return bisect_left(times, at) if isinstance(at, int) else 0



def _key(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _unkey(token: Any) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode() if isinstance(token, str) else ""
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidParameterException("The specified nextToken is invalid.") from None


def _position(token: Any, size: int) -> int:
    text = _unkey(token)
    if not text.isdigit() or int(text) > size:
        raise InvalidParameterException("The specified nextToken is invalid.")
    return int(text)


def _pattern(pattern: str):
    """A CloudWatch filter pattern of terms: all plain terms, any ``?term``, no ``-term``; quoted
    phrases match as written; case-sensitive [DOC: Filter pattern syntax].

    Raises:
        InvalidParameterException: a JSON or space-delimited pattern (tjsim matches terms only).
    """
    text = pattern.strip()
    if text.startswith(("{", "[")):
        raise InvalidParameterException("tjsim matches term filter patterns only (terms, \"phrases\", ?any, -not)")
    try:
        terms = shlex.split(text)
    except ValueError:
        raise InvalidParameterException(f"Invalid filter pattern: {pattern!r}") from None
    every = [t for t in terms if not t.startswith(("?", "-"))]
    anyof = [t[1:] for t in terms if t.startswith("?")]
    never = [t[1:] for t in terms if t.startswith("-")]

    def match(message: str) -> bool:
        return (all(t in message for t in every) and (not anyof or any(t in message for t in anyof))
                and not any(t in message for t in never))

    return match


__all__ = ["OPERATIONS", "InvalidParameterException", "ResourceNotFoundException"]
