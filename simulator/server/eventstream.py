"""``GET /_tjsim/events``: the feed of changes (:mod:`.events`) as Server-Sent Events, for a browser's
``EventSource`` or a test's HTTP client.

Each event is one SSE message: ``id`` its number, ``data`` the EventBridge event (JSON); the
events that came since a client's last write go in one write (at most one every :data:`INTERVAL`
seconds), each message made once for all clients. A client
that reconnects sends the last number it had (``Last-Event-ID``, as ``EventSource`` does by itself,
or ``?after=N``) and gets what followed, nothing twice and nothing lost; ``?TrainingJobName=`` keeps
one job's. A realtime clock is brought up to the present every :data:`TICK` seconds while a client
listens. A client that stops reading is dropped after :data:`SEND_TIMEOUT` seconds, not buffered
for: what a client has not read is never copied, only its place in the feed is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request

from ..errors import RequestError

if TYPE_CHECKING:
    from .backend import Backend

TICK = 0.25  #: seconds between bringing a realtime clock up to the present, while a client listens
PING = 15  #: seconds between keep-alive comments on a quiet stream
SEND_TIMEOUT = 30.0  #: seconds a client may take to accept one write before it is dropped
BATCH = 5000  #: events in one write, at most
_ID = re.compile(r"^\s*(?:([0-9a-f]{8})-)?([0-9]{1,18})\s*$")  # ASCII digits only ("²" is one to str.isdigit)
INTERVAL = 0.2  #: seconds between a client's writes, at least: what comes between goes in the next


def response(backend: Backend, request: Request) -> EventSourceResponse:
    """The stream of events after the client's last one.

    Raises:
        RequestError: the last event id is not a number of this feed.
    """
    after = _after(backend, request.headers.get("last-event-id") or request.query_params.get("after") or "0")
    name = request.query_params.get("TrainingJobName")
    return EventSourceResponse(_messages(backend, after, name), ping=PING, send_timeout=SEND_TIMEOUT,
                               headers={"Cache-Control": "no-store"})


async def _messages(backend: Backend, after: int, name: str | None) -> AsyncIterator[bytes]:
    feed = backend.feed
    wake = asyncio.Event()
    feed.listen(wake)
    loop = asyncio.get_running_loop()
    written = -math.inf
    try:
        while True:
            backend.sync()
            wake.clear()
            newest = min(feed.last, after + BATCH)
            numbers = feed.numbers(after, newest, name)
            if numbers:  # one write for all that came: each message is made once for every client
                yield b"".join(map(feed.message, numbers))
                written = loop.time()
            after = newest
            if feed.last <= after:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), TICK if backend.clock.mode == "realtime" else None)
            # what comes within INTERVAL of a write waits for the next one, with whatever else comes
            await asyncio.sleep(max(0.0, written + INTERVAL - loop.time()))
    finally:
        feed.unlisten(wake)


def _after(backend: Backend, text: str) -> int:
    found = _ID.match(text)
    if found is None:
        raise RequestError(f"Last-Event-ID: an event's id, <epoch>-<number>, or its number (got {text[:40]!r})")
    epoch, after = found.group(1), int(found.group(2))
    if epoch is not None and epoch != backend.feed.epoch:
        raise RequestError(f"Last-Event-ID: {text.strip()} is an event of another simulation (this one's ids begin "
                           f"{backend.feed.epoch}-): start again from GET /_tjsim/jobs")
    if after > backend.feed.last:
        raise RequestError(f"Last-Event-ID: {after} is past the newest event ({backend.feed.last}): this server "
                           "has not seen it (was it restarted without --state?)")
    return after
