"""Requests HTTP itself refuses — a bad Content-Length, bytes a path may not hold, a header that is
not one — answered in the client's AWS protocol when its headers got far enough to say which.

uvicorn's parser answers them before the app sees anything, in plain text, which an AWS client
reports as an unparseable error. :class:`AwsHttpProtocol` is uvicorn's own (httptools) protocol,
except for that answer: a request whose headers so far name an AWS protocol (``X-Amz-Target``, a
JSON, CBOR or query Content-Type) gets a ``SerializationException`` in it; one that got no further
than its request line still gets uvicorn's text, since nothing says what it speaks. uvicorn logs
each as one warning line.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.datastructures import Headers
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..errors import SerializationError
from . import protocols, services


def aws_call(headers: Headers) -> bool:
    """The headers name an AWS protocol."""
    content = headers.get("content-type", "")
    return bool(headers.get("x-amz-target") or headers.get("smithy-protocol")
                or any(kind in content for kind in ("amz-json", "cbor", "x-www-form-urlencoded")))


def refusal(headers: Headers, why: str) -> bytes:
    """The whole HTTP response refusing a malformed request in the protocol ``headers`` name."""
    err = SerializationError(f"the request is not valid HTTP/1.1 ({why.rstrip('.')}): nothing was done")
    reply = protocols.error(services.protocol_of(headers), err, 400, json_version=protocols.json_version(headers))
    head = [f"HTTP/1.1 400 {HTTPStatus(400).phrase}", *(f"{k}: {v}" for k, v in reply.headers.items()),
            f"content-length: {len(reply.body)}", "connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


class AwsHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing malformed AWS calls in their own protocol."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.parser = _Telling(self.parser)

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
