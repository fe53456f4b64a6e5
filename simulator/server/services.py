"""The one dispatch table: every operation tjsim answers, by service and name, and answering a raw
request with it — the same code behind the HTTP endpoint (:mod:`.app`) and in process
(:mod:`simulator.mock`).

A service is a small module with an ``OPERATIONS`` table: :mod:`.sagemaker` and :mod:`.tags`
(SageMaker), :mod:`.logs` (CloudWatch Logs), :mod:`.metrics` (CloudWatch), :mod:`.identity` (STS
and IAM). An operation is added to its module's table; a service, to :data:`OPERATIONS` here and
to :data:`.protocols.SERVED`. A request for anything else is :mod:`.elsewhere`'s (moto's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import JournalFailure, RequestTooLarge, TjsimError, WrongContentType
from . import identity, logs, metrics, protocols, sagemaker, tags
from .elsewhere import Elsewhere
from .protocols import Call, Reply, Unrecognized

if TYPE_CHECKING:
    from .backend import Backend

Operation = Callable[["Backend", dict[str, Any]], dict[str, Any] | bytes]

#: every operation tjsim answers, by (botocore's service name, operation name)
OPERATIONS: dict[tuple[str, str], Operation] = {
    **{("sagemaker", name): op for name, op in sagemaker.OPERATIONS.items()},
    **{("sagemaker", name): op for name, op in tags.OPERATIONS.items()},
    **{("logs", name): op for name, op in logs.OPERATIONS.items()},
    **{("cloudwatch", name): op for name, op in metrics.OPERATIONS.items()},
    **identity.OPERATIONS,
}
_STATUS = {RequestTooLarge: 413, identity.NoSuchEntity: 404, JournalFailure: 503, WrongContentType: 404}


def handle(backend: Backend, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
    """Answer one request, in its own protocol (an error too).

    Raises:
        Elsewhere: the request is another service's, or for a resource tjsim does not simulate.
    """
    call = recognized(method, path, headers, body)
    return answer(backend, call) if isinstance(call, Call) else call


def recognized(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Call | Reply:
    """The call a request makes of an operation served here, or the error it is answered.

    Raises:
        Elsewhere: the request is another service's, or for a resource tjsim does not simulate.
    """
    try:
        call = protocols.recognize(method, path, headers, body)
    except Unrecognized:
        raise Elsewhere(path) from None
    except TjsimError as err:
        return protocols.error(protocol_of(headers), err, _STATUS.get(type(err), 400),
                               json_version=protocols.json_version(headers))
    if (call.service, call.operation) not in OPERATIONS:
        raise Elsewhere(call.operation)
    return call


#: what the operations that change nothing are named as (AWS's naming: DescribeTrainingJob,
#: ListTags, GetLogEvents, FilterLogEvents, SimulatePrincipalPolicy, GetCallerIdentity)
READS = ("Describe", "List", "Get", "Filter", "Simulate")


def reads(call: Call) -> bool:
    """The call only reads: it may be answered while a clock move is under way."""
    return call.operation.startswith(READS)


def answer(backend: Backend, call: Call) -> Reply:
    """The reply to a recognized call (:func:`recognized`), in its own protocol."""
    operation = OPERATIONS[(call.service, call.operation)]
    try:
        backend.sync()
        return protocols.reply(call, operation(backend, call.params))
    except TjsimError as err:
        return protocols.error(call.protocol, err, _STATUS.get(type(err), 400),
                               query_compatible=protocols.query_compatible(call.service),
                               json_version=call.json_version)


def protocol_of(headers: Mapping[str, str]) -> str:
    """The protocol a request speaks, as far as its headers tell (for an error before it is
    recognized): XML for the query and REST-XML services, else JSON."""
    content = headers.get("content-type", "")
    if headers.get("x-amz-target") or "json" in content:
        return protocols.JSON
    if headers.get("smithy-protocol") == "rpc-v2-cbor" or "cbor" in content:
        return protocols.CBOR
    scope = headers.get("authorization", "")
    if content.startswith("application/x-www-form-urlencoded") or ("Credential=" in scope and not any(
            f"/{name}/aws4_request" in scope for name in ("sagemaker", "logs"))):
        return protocols.QUERY
    return protocols.JSON


__all__ = ["OPERATIONS", "Elsewhere", "handle", "protocol_of"]
