"""The HTTP edge: the AWS JSON 1.1 protocol (``POST /`` with ``X-Amz-Target: SageMaker.<Operation>``),
the ``/_tjsim`` control API, CORS for browser dashboards, and every error translated here, once.

tjsim's errors, and Starlette's 404 and 405, are answered through the app's exception-handler table
(looked up along the error's MRO, as Starlette does). Anything else is a bug of ours: one catch-all
answers it 500 InternalFailure, inside the CORS layer so that a browser dashboard can read it.

Any SigV4 signature and any credentials are accepted: nothing is checked or stored.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import shapes
from ..errors import NotServed, RequestError, RequestTooLarge, SerializationError, TjsimError, UnknownOperation
from . import control
from .backend import Backend
from .sagemaker import OPERATIONS

AWS_JSON = "application/x-amz-json-1.1"
MAX_BODY = 1 << 20  #: bytes a request may carry (CreateTrainingJob requests are a few kB)
log = logging.getLogger("tjsim.server")
Handler = Callable[[Request, Any], Awaitable[Response]]  #: an entry of Starlette's exception-handler table


def create_app(backend: Backend) -> Starlette:
    """The ASGI application serving ``backend``."""

    async def aws(request: Request) -> Response:
        target = request.headers.get("x-amz-target", "")
        service, _, name = target.partition(".")
        operation = OPERATIONS.get(name) if service == "SageMaker" else None
        if operation is None:
            raise UnknownOperation(f"tjsim serves SageMaker.{{{', '.join(OPERATIONS)}}}, not {target!r}")
        body = await _json_body(request)
        backend.sync()
        return _aws_response(operation(backend, body))

    async def clock(request: Request) -> Response:
        backend.sync()
        return _control(control.clock_state(backend))

    async def advance(request: Request) -> Response:
        return await _control_call(
            request, lambda body: control.advance(backend, _only(body, "seconds").get("seconds")))

    async def next_change(request: Request) -> Response:
        return await _control_call(request, lambda body: control.advance_to_next(
            backend, _only(body, "TrainingJobName").get("TrainingJobName")))

    async def inject(request: Request) -> Response:
        name = request.path_params["name"]
        return await _control_call(request, lambda body: control.inject(backend, name, body))

    async def _control_call(request: Request, call: Callable[[dict[str, Any]], dict[str, Any]]) -> Response:
        body = await _json_body(request)
        backend.sync()
        return _control(call(body))

    routes = [Route("/", aws, methods=["POST"]), Route("/_tjsim/clock", clock, methods=["GET"]),
              Route("/_tjsim/clock/advance", advance, methods=["POST"]),
              Route("/_tjsim/clock/next", next_change, methods=["POST"]),
              Route("/_tjsim/jobs/{name}/inject", inject, methods=["POST"])]
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                      allow_headers=["*"], expose_headers=["x-amzn-RequestId"], max_age=600)
    # the catch-all sits inside CORS: Starlette's own handler of Exception would answer outside it
    return Starlette(routes=routes, middleware=[cors, Middleware(InternalFailure)], exception_handlers=ERRORS)


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's body: a JSON object.

    Raises:
        RequestTooLarge: it is over :data:`MAX_BODY` bytes.
        SerializationError: it is not a JSON object (or nests too deeply to read).
    """
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise RequestTooLarge(f"the request body is {int(declared):,} bytes; tjsim takes up to {MAX_BODY:,}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise RequestTooLarge(f"the request body is over {MAX_BODY:,} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = json.loads(raw, parse_constant=_no_constant) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as err:
        raise SerializationError(f"the body is not JSON: {err}") from None
    except RecursionError:
        raise SerializationError("the body is not JSON a service reads: it nests too deeply") from None
    if not isinstance(body, dict):
        raise SerializationError("the body is a JSON object of the operation's members")
    return body


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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


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
    TjsimError: _answered(400), RequestTooLarge: _answered(413), 404: _not_served, 405: _not_served}


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
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as err:
            if started:  # too late to answer: the server closes the connection
                raise
            log.exception("internal error")
            body = {"__type": "InternalFailure", "message": f"tjsim failed: {type(err).__name__}: {err}"}
            await _aws_response(json.dumps(body).encode(), 500)(scope, receive, send)


__all__ = ["AWS_JSON", "ERRORS", "MAX_BODY", "InternalFailure", "create_app"]
