"""Requests HTTP itself refuses — a bad Content-Length, bytes a path may not hold, a header that is
not one — answered in the client's AWS protocol when its headers got far enough to say which.

uvicorn's parser answers them before the app sees anything, in plain text, which an AWS client
reports as an unparseable error. :class:`AwsHttpProtocol` is uvicorn's own (httptools) protocol,
except for that answer: a request whose headers so far name an AWS protocol (``X-Amz-Target``, a
JSON, CBOR or query Content-Type) gets a ``SerializationException`` in it; one that got no further
than its request line still gets uvicorn's text, since nothing says what it speaks. uvicorn logs
each as one warning line. A request whose headers stop arriving for :data:`.app.READ_TIMEOUT`
seconds is answered 408 and let go, as a body that stops is (uvicorn would wait for ever).
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

from starlette.datastructures import Headers
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..errors import RequestTimeout, SerializationError, TjsimError
from . import app, protocols, services


def aws_call(headers: Headers) -> bool:
    """The headers name an AWS protocol."""
    content = headers.get("content-type", "")
    return bool(headers.get("x-amz-target") or headers.get("smithy-protocol")
                or any(kind in content for kind in ("amz-json", "cbor", "x-www-form-urlencoded")))


def refusal(headers: Headers, why: str) -> bytes:
    """The whole HTTP response refusing a malformed request in the protocol ``headers`` name."""
    return _response(headers, SerializationError(f"the request is not valid HTTP/1.1 ({why.rstrip('.')}): nothing "
                                                 "was done"), 400)


def _response(headers: Headers, err: TjsimError, status: int) -> bytes:
    """``err`` answered in the protocol ``headers`` name, as the bytes of an HTTP/1.1 response that
    closes its connection."""
    reply = protocols.error(services.protocol_of(headers), err, status, json_version=protocols.json_version(headers))
    head = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}",
            *(f"{k}: {v}" for k, v in reply.headers.items()), f"content-length: {len(reply.body)}",
            "connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


class AwsHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing malformed AWS calls in their own protocol, and closing
    a connection whose request's headers stop arriving (408 RequestTimeoutException)."""

    _waiting: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.parser = _Telling(self.parser)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._stop_waiting()
        self._waiting = self.loop.call_later(app.READ_TIMEOUT, self._too_slow)  # as long as a body may pause

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
            self._waiting = None

    def _too_slow(self) -> None:
        """The headers stopped arriving: answered 408 and let go (one log line)."""
        self._waiting = None
        if self.transport.is_closing():
            return
        self.logger.warning("A request's headers stopped arriving for %g s: the connection is closed",
                            app.READ_TIMEOUT)
        err = RequestTimeout(f"the request's headers stopped arriving for {app.READ_TIMEOUT:g} s; the connection "
                             "is closed")
        self.transport.write(_response(Headers(raw=list(getattr(self, "headers", None) or [])), err, 408))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        headers = Headers(raw=list(getattr(self, "headers", None) or []))
        if not aws_call(headers):
            super().send_400_response(msg)
            return
        self.transport.write(refusal(headers, self.parser.why or msg))
        self.transport.close()


class _Telling:
    """httptools' parser, keeping what it refused a request for (uvicorn says only that it did)."""

    def __init__(self, parser: Any):
        self._parser, self.why = parser, None

    def feed_data(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except Exception as err:
            self.why = str(err) or type(err).__name__
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parser, name)
