"""The HTTP edge: the AWS JSON 1.1 protocol (``POST /`` with ``X-Amz-Target: SageMaker.<Operation>``),
the ``/_tjsim`` control API, CORS for browser dashboards, and every error translated here, once.

Any SigV4 signature and any credentials are accepted: nothing is checked or stored.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import shapes
from ..errors import NotServed, RequestError, RequestTooLarge, SerializationError, TjsimError, UnknownOperation
from .backend import OPERATIONS, Backend

AWS_JSON = "application/x-amz-json-1.1"
MAX_BODY = 1 << 20  #: bytes a request may carry (CreateTrainingJob requests are a few kB)
_STATUS = {RequestTooLarge: 413}  #: HTTP status by error class, looked up along the MRO; 400 otherwise
log = logging.getLogger("tjsim.server")


def create_app(backend: Backend) -> Starlette:
    """The ASGI application serving ``backend``."""

    async def aws(request: Request) -> Response:
        try:
            target = request.headers.get("x-amz-target", "")
            service, _, name = target.partition(".")
            operation = OPERATIONS.get(name) if service == "SageMaker" else None
            if operation is None:
                raise UnknownOperation(f"tjsim serves SageMaker.{{{', '.join(OPERATIONS)}}}, not {target!r}")
            body = await _json_body(request)
            backend.sync()
            result = operation(backend, body)
            return _aws_response(result if isinstance(result, bytes) else json.dumps(result).encode())
        except Exception as err:  # every error is answered; a client's never as a 500
            return _aws_error(err)

    async def clock(request: Request) -> Response:
        backend.sync()
        return _control(backend.clock_state())

    async def advance(request: Request) -> Response:
        return await _control_call(request, lambda body: backend.advance(_only(body, "seconds").get("seconds")))

    async def next_change(request: Request) -> Response:
        return await _control_call(
            request, lambda body: backend.advance_to_next(_only(body, "TrainingJobName").get("TrainingJobName")))

    async def inject(request: Request) -> Response:
        name = request.path_params["name"]
        return await _control_call(request, lambda body: backend.inject(name, body))

    async def _control_call(request: Request, call) -> Response:
        try:
            body = await _json_body(request)
            backend.sync()
            return _control(call(body))
        except Exception as err:  # answered like the AWS operations
            return _aws_error(err)

    routes = [Route("/", aws, methods=["POST"]), Route("/_tjsim/clock", clock, methods=["GET"]),
              Route("/_tjsim/clock/advance", advance, methods=["POST"]),
              Route("/_tjsim/clock/next", next_change, methods=["POST"]),
              Route("/_tjsim/jobs/{name}/inject", inject, methods=["POST"])]
    cors = Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                      allow_headers=["*"], expose_headers=["x-amzn-RequestId"], max_age=600)
    async def not_served(request: Request, exc: HTTPException) -> Response:
        return _aws_error(NotServed(f"{request.method} {request.url.path}: tjsim serves POST / (the SageMaker API) "
                                    "and /_tjsim (the control API)"), exc.status_code)

    return Starlette(routes=routes, middleware=[cors], exception_handlers={404: not_served, 405: not_served})


async def _json_body(request: Request) -> dict[str, Any]:
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
    """``body``, refusing members other than ``keys``."""
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


def _aws_error(err: Exception, status: int | None = None) -> Response:
    """The error body the AWS JSON protocol carries: ``{"__type": code, "message": ...}``."""
    if isinstance(err, TjsimError):
        status = status or next((code for cls in type(err).__mro__ if (code := _STATUS.get(cls)) is not None), 400)
        body = {"__type": err.code, "message": str(err)}
    else:  # a bug of ours, not the client's: say so
        log.exception("internal error")
        status, body = 500, {"__type": "InternalFailure", "message": f"tjsim failed: {type(err).__name__}: {err}"}
    return _aws_response(json.dumps(body).encode(), status)


__all__ = ["AWS_JSON", "MAX_BODY", "create_app"]
