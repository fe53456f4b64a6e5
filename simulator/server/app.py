"""The HTTP edge: every AWS request (answered by :mod:`.services` in the client's protocol, or
handed to moto by :mod:`.elsewhere`), the ``/_tjsim`` control API, CORS for browser dashboards, and
every error translated here, once.

tjsim's errors, and Starlette's 404 and 405, are answered through the app's exception-handler table
(looked up along the error's MRO, as Starlette does). Anything else is a bug of ours: one catch-all
answers it 500 InternalFailure, inside the CORS layer so that a browser dashboard can read it.

Any SigV4 signature and any credentials are accepted: nothing is checked or stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import shapes
from ..errors import JournalFailure, NotServed, RequestError, RequestTimeout, RequestTooLarge, TjsimError
from . import console, control, elsewhere, eventstream, protocols, services
from .backend import Backend

AWS_JSON = "application/x-amz-json-1.1"
MAX_BODY = 1 << 20  #: bytes a request may carry (CreateTrainingJob requests are a few kB)
log = logging.getLogger("tjsim.server")
Handler = Callable[[Request, Any], Awaitable[Response]]  #: an entry of Starlette's exception-handler table


def create_app(backend: Backend) -> Starlette:
    """The ASGI application serving ``backend``."""

    async def clock(request: Request) -> Response:
        backend.sync()
        return _control(control.clock_state(backend))

    async def advance(request: Request) -> Response:
        body = await _json_body(request)
        return _control(await control.advance_stepping(backend, _only(body, "seconds").get("seconds")))

    async def next_change(request: Request) -> Response:
        return await _control_call(request, lambda body: control.advance_to_next(
            backend, _only(body, "TrainingJobName").get("TrainingJobName")))

    async def inject(request: Request) -> Response:
        name = request.path_params["name"]
        return await _control_call(request, lambda body: control.inject(backend, name, body))

    async def pause(request: Request) -> Response:
        return await _control_call(request, lambda body: control.pause(backend, **_only(body)))

    async def play(request: Request) -> Response:
        return await _control_call(request, lambda body: control.play(backend, _only(body, "speed").get("speed", 60)))

    async def scenarios(request: Request) -> Response:
        return _control(control.scenarios(backend))

    async def jobs(request: Request) -> Response:
        return _control(console.jobs(backend))

    async def console_settings(request: Request) -> Response:
        return _control(console.settings())

    async def index(request: Request) -> Response:
        return FileResponse(console.FILES / "index.html", headers={"Cache-Control": "no-cache"})

    async def events(request: Request) -> Response:
        return eventstream.response(backend, request)

    async def _control_call(request: Request, call: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
        body = await _json_body(request)
        await backend.turn()  # a mutation waits for a clock move under way
        backend.sync()
        return _control(call(body))

    routes = [Route("/_tjsim/clock", clock, methods=["GET"]),
              Route("/_tjsim/clock/advance", advance, methods=["POST"]),
              Route("/_tjsim/clock/next", next_change, methods=["POST"]),
              Route("/_tjsim/clock/pause", pause, methods=["POST"]),
              Route("/_tjsim/clock/play", play, methods=["POST"]),
              Route("/_tjsim/jobs/{name}/inject", inject, methods=["POST"]),
              Route("/_tjsim/scenarios", scenarios, methods=["GET"]),
              Route("/_tjsim/events", events, methods=["GET"]),
              Route("/_tjsim/jobs", jobs, methods=["GET"]),
              Route("/", index, methods=["GET"]),
              Route("/_tjsim/console", index, methods=["GET"]),
              Route("/_tjsim/console/settings.json", console_settings, methods=["GET"]),
              Mount("/_tjsim/console", StaticFiles(directory=console.FILES, html=True), name="console")]
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                      allow_headers=["*"], expose_headers=["x-amzn-RequestId"], max_age=600)
    # the catch-all sits inside CORS: Starlette's own handler of Exception would answer outside it
    edge = Middleware(AwsEdge, backend=backend, others=elsewhere.moto_app())
    return Starlette(routes=routes, middleware=[cors, Middleware(InternalFailure), edge], exception_handlers=ERRORS)


class AwsEdge:
    """Every request outside ``/_tjsim`` is an AWS call: :func:`.services.handle` answers it in the
    client's protocol, or it goes on to moto (``others``), the model artifacts of jobs completed
    since written to its S3 first. Without moto, another service's call is refused in the
    client's protocol."""

    def __init__(self, app: ASGIApp, backend: Backend, others: ASGIApp | None):
        self.app, self.backend, self.others = app, backend, others

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_tjsim"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _console_page(scope, headers):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if not (headers.get("x-amz-target") or headers.get("smithy-protocol") or b"Action=" in query
                or headers.get("content-type", "").startswith("application/x-www-form-urlencoded")):
            await self._elsewhere(scope, receive, send)  # S3 and other REST services: streamed to moto
            return
        try:
            body = await _read(receive, headers)
        except (RequestTooLarge, RequestTimeout) as err:
            late = isinstance(err, RequestTimeout)
            reply = protocols.error(services.protocol_of(headers), err, 408 if late else 413)
            closing = {**reply.headers, "Connection": "close"} if late else reply.headers  # a slow sender: let go
            await Response(reply.body, reply.status, closing)(scope, receive, send)
            return
        if scope["method"] == "GET" and not body:
            body = query
        try:
            call = services.recognized(scope["method"], scope["path"], headers, body)
            if isinstance(call, protocols.Reply):  # the error it is answered
                reply = call
            else:
                if not services.reads(call):
                    await self.backend.turn()  # a mutation waits for a clock move under way; reads go on
                reply = services.answer(self.backend, call)
        except elsewhere.Elsewhere as err:
            if services.protocol_of(headers) == protocols.CBOR:  # moto's server does not route Smithy RPC v2 CBOR
                refused = elsewhere.NotAnswered(f"{err}: tjsim does not simulate it, and moto, which answers the rest, "
                                                "speaks this service's JSON and query protocols, not CBOR",
                                                "UnknownOperationException")
                reply = protocols.error(protocols.CBOR, refused, 400)
            else:
                await self._elsewhere(scope, _replayed(body), send)
                return
        await Response(reply.body, reply.status, reply.headers)(scope, receive, send)

    async def _elsewhere(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        protocol = services.protocol_of(headers)
        signed = "Credential=" in headers.get("authorization", "") or \
            b"X-Amz-Credential=" in scope.get("query_string", b"")
        if self.others is None or not signed:
            why = "other AWS calls need moto[server] installed" if signed else \
                "an AWS call is signed (SigV4); the control API is under /_tjsim"
            err = NotServed(f"{scope['method']} {scope['path']}: tjsim answers SageMaker training jobs, their "
                            f"logs, metrics and identity, and hands other AWS calls to moto: {why}")
            status = 400 if signed or (scope["path"], scope["method"]) == ("/", "POST") else \
                405 if scope["path"] == "/" else 404
            reply = protocols.error(protocol, err, status)
            await Response(reply.body, reply.status, reply.headers)(scope, receive, send)
            return
        elsewhere.write_artifacts(self.backend)
        err = await _failure_before_answer(self.others, scope, receive, send)
        if err is not None:
            what = headers.get("x-amz-target") or f"{scope['method']} {scope['path']}"
            refused = elsewhere.refusal(err, what, protocol)
            log.warning("%s", refused)  # moto's failure, not ours: one line, no traceback
            reply = protocols.error(protocol, refused, 400)
            await Response(reply.body, reply.status, reply.headers)(scope, receive, send)


def _console_page(scope: Scope, headers: Headers) -> bool:
    """A browser asking for the page at ``/``: the console. An AWS call to ``/`` (S3's ListBuckets,
    signed or not) asks for no HTML."""
    return scope["method"] in ("GET", "HEAD") and scope["path"] == "/" and not scope.get("query_string") and \
        "authorization" not in headers and "text/html" in headers.get("accept", "")


async def _failure_before_answer(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> Exception | None:
    """Run ``app``: the exception it raised before it began to answer, else None. One raised once
    the answer has begun is raised again: too late to answer, the server closes the connection."""
    started = False

    async def sending(message: Message) -> None:
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        await app(scope, receive, sending)
    except Exception as err:
        if started:
            raise
        return err
    return None


#: seconds a sender may leave between two pieces of a request's body (S3 closes idle requests after
#: about 20 s with RequestTimeout; for the JSON services nothing is documented [INF])
READ_TIMEOUT = 20.0


async def _read(receive: Receive, headers: Headers) -> bytes:
    """A request's body, up to :data:`MAX_BODY` bytes.

    Raises:
        RequestTooLarge: it is longer.
        RequestTimeout: it stopped arriving for :data:`READ_TIMEOUT` seconds.
        ClientDisconnect: the client hung up before it was whole.
    """
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise RequestTooLarge(f"the request body is {int(declared):,} bytes; tjsim takes up to {MAX_BODY:,}")
    chunks, size, more = [], 0, True
    while more:
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                message = await receive()
        except TimeoutError:
            raise RequestTimeout(f"the request's body stopped arriving for {READ_TIMEOUT:g} s; the connection is "
                                 "closed") from None
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()  # a partial body is never served
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise RequestTooLarge(f"the request body is over {MAX_BODY:,} bytes")
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replayed(body: bytes) -> Receive:
    """A ``receive`` that gives ``body`` again (it was read to recognize the call)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _json_body(request: Request) -> dict[str, Any]:
    """The control request's body: a JSON object of up to :data:`MAX_BODY` bytes.

    Raises:
        RequestTooLarge: it is longer.
        SerializationError: it is not a JSON object (or nests too deeply to read).
    """
    return protocols.json_object(await _read(request.receive, request.headers))


def _only(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    """``body``, refusing members other than ``keys``.

    Raises:
        RequestError: a member is not one of ``keys``.
    """
    for key in body:
        if key not in keys:
            hint = shapes.did_you_mean(key, keys)
            raise RequestError(f"{key}: not a member here ({hint or 'valid: ' + ', '.join(keys)})")
    return body


def _aws_response(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=AWS_JSON, headers={"x-amzn-RequestId": str(uuid.uuid4())})


def _control(data: dict[str, Any]) -> Response:
    return Response(json.dumps(data).encode(), media_type="application/json")


def _aws_error(err: TjsimError, status: int) -> Response:
    """The error body the AWS JSON protocol carries: ``{"__type": code, "message": ...}``."""
    return _aws_response(json.dumps({"__type": err.code, "message": str(err)}).encode(), status)


def _answered(status: int) -> Handler:
    """The handler answering a tjsim error with ``status`` and its AWS code."""

    async def answer(request: Request, exc: TjsimError) -> Response:
        return _aws_error(exc, status)

    return answer


async def _not_served(request: Request, exc: HTTPException) -> Response:
    return _aws_error(NotServed(f"{request.method} {request.url.path}: tjsim serves POST / (the SageMaker API) "
                                "and /_tjsim (the control API)"), exc.status_code)


#: how an error is answered, by its class (looked up along its MRO) or by an HTTP status: a client's
#: error is the service's 4xx with its AWS code, never a 500
ERRORS: dict[type[Exception] | int, Handler] = {
    TjsimError: _answered(400), RequestTooLarge: _answered(413), RequestTimeout: _answered(408),
    JournalFailure: _answered(503), 404: _not_served,
    405: _not_served}


class InternalFailure:
    """The one catch-all: an error no handler of :data:`ERRORS` answers is a bug of ours, not the
    client's: it is logged and answered 500 ``InternalFailure``, saying so. An ASGI middleware
    inside the CORS layer, so the answer carries its headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        err = await _failure_before_answer(self.app, scope, receive, send)
        if isinstance(err, ClientDisconnect):  # the client hung up mid-request: nobody to answer, nothing wrong
            log.info("a client hung up before its request was read: %s %s", scope["method"], scope["path"])
            return
        if err is not None:
            log.error("internal error", exc_info=err)
            body = {"__type": "InternalFailure", "message": f"tjsim failed: {type(err).__name__}: {err}"}
            await _aws_response(json.dumps(body).encode(), 500)(scope, receive, send)


__all__ = ["AWS_JSON", "ERRORS", "MAX_BODY", "InternalFailure", "create_app"]
