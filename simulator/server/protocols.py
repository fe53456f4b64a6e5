"""The AWS wire protocols the endpoint speaks, read off botocore's service models: which service and
operation a request calls, its members, and the response or error in the client's own protocol.

- **JSON** (SageMaker, CloudWatch Logs, CloudWatch's JSON 1.0): ``X-Amz-Target: <prefix>.<Operation>``,
  a JSON body; errors ``{"__type", "message"}``.
- **Smithy RPC v2 CBOR** (CloudWatch, as botocore 1.40+ speaks it): ``POST
  /service/<prefix>/operation/<Operation>`` with a ``smithy-protocol: rpc-v2-cbor`` header and a CBOR
  body; timestamps are CBOR epoch times (tag 1).
- **Query** (IAM, STS, older CloudWatch): a form with ``Action`` and ``Version``, answered in XML; the
  service is the one the request's SigV4 credential scope names (else the one whose API version it
  gives).

A request is *recognized* when it calls one of :data:`SERVED`; anything else is another service's
(S3, say), for :mod:`.elsewhere`. Timestamps reach operations as epoch seconds, whatever the
protocol; operations answer with :class:`~datetime.datetime` timestamps, serialized here.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import cbor2
from botocore.model import OperationModel, ServiceModel, Shape

from .. import service
from ..errors import SerializationError, TjsimError, UnknownOperation, WrongContentType

SERVED = ("sagemaker", "logs", "cloudwatch", "iam", "sts")  #: the services tjsim answers (botocore's names)
JSON, CBOR, QUERY = "json", "smithy-rpc-v2-cbor", "query"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/([^/]+)/operation/([^/]+)$")


@dataclass(frozen=True, slots=True)
class Call:
    """One request to a served service: what it calls, in which protocol, with which members."""

    service: str  #: botocore's name of the service
    operation: str
    protocol: str  #: :data:`JSON`, :data:`CBOR` or :data:`QUERY`
    params: dict[str, Any] = field(default_factory=dict)
    json_version: str = "1.1"

    @property
    def model(self) -> OperationModel:
        return service.model(self.service).operation_model(self.operation)


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP response: status, headers and body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Unrecognized(Exception):
    """The request is for a service tjsim does not answer."""


_MODELS: dict[str, ServiceModel] = {name: service.model(name) for name in SERVED}
_TARGETS = {m.metadata["targetPrefix"]: name for name, m in _MODELS.items() if "targetPrefix" in m.metadata}
def _protocols(model: ServiceModel) -> list[str]:
    return list(model.metadata.get("protocols") or [model.metadata["protocol"]])


_QUERY_VERSIONS = {m.api_version: name for name, m in _MODELS.items() if QUERY in _protocols(m)}


def json_version(headers: Mapping[str, str]) -> str:
    """The AWS JSON version a request's Content-Type names (``application/x-amz-json-1.0``), 1.1 if none."""
    version = headers.get("content-type", "").rpartition("-")[2]
    return version if version in ("1.0", "1.1") else "1.1"


_AWS_JSON = ("application/x-amz-json-1.1", "application/x-amz-json-1.0")


def recognize(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Call:
    """What a request calls (``headers`` looked up case-insensitively, as a Starlette or botocore
    request's are).

    Raises:
        Unrecognized: the request is for another service.
        UnknownOperation: the service is served but has no such operation, or not in this protocol.
        SerializationError: the body cannot be read in the request's protocol.
    """
    target = headers.get("x-amz-target")
    if target:
        prefix, _, operation = target.partition(".")
        name = _TARGETS.get(prefix)
        if name is None:
            raise Unrecognized(target)
        operation = _operation(name, operation, JSON)
        kind = headers.get("content-type", "").partition(";")[0].strip().lower()
        if kind not in _AWS_JSON:  # [OBS: Kinesis, DynamoDB] no handler claims it: 404 UnknownOperationException
            raise WrongContentType(f"{target}: an AWS JSON call is sent as application/x-amz-json-1.1 (or 1.0), "
                                   f"not {kind or 'without a Content-Type'}")
        return Call(name, operation, JSON, json_object(body), json_version(headers))
    cbor_path = _CBOR_PATH.match(path)
    if cbor_path and headers.get("smithy-protocol") == "rpc-v2-cbor":
        name = _TARGETS.get(cbor_path.group(1))
        if name is None:
            raise Unrecognized(path)
        return Call(name, _operation(name, cbor_path.group(2), CBOR), CBOR, _cbor(body))
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") or "Action=" in path:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        scope = _SCOPE.search(headers.get("authorization", ""))
        name = scope.group(1) if scope else _QUERY_VERSIONS.get(form.get("Version", ""))
        name = {"monitoring": "cloudwatch"}.get(name, name)
        if name not in SERVED or "Action" not in form:
            raise Unrecognized(form.get("Action", path))
        operation = _operation(name, form.pop("Action"), QUERY)
        form.pop("Version", None)
        return Call(name, operation, QUERY, _query(form, service.model(name).operation_model(operation).input_shape))
    raise Unrecognized(path)


def _operation(name: str, operation: str, protocol: str) -> str:
    model = service.model(name)
    if operation not in model.operation_names:
        raise UnknownOperation(f"{model.service_id} has no operation {operation!r}")
    if protocol not in _protocols(model):
        raise UnknownOperation(f"{model.service_id} does not speak {protocol}: it speaks "
                               f"{', '.join(_protocols(model))}")
    return operation


def json_object(body: bytes) -> dict[str, Any]:
    """A JSON body: an object of the operation's members, in UTF-8 (``json.loads`` would also take
    UTF-16 and UTF-32, which the service's JSON is not).

    Raises:
        SerializationError: it is not a JSON object in UTF-8 (or holds NaN, or nests too deeply).
    """
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant) if body.strip() else {}
    except (ValueError, UnicodeDecodeError) as err:
        raise SerializationError(f"the body is not JSON: {err}") from None
    except RecursionError:
        raise SerializationError("the body is not JSON a service reads: it nests too deeply") from None
    if not isinstance(value, dict):
        raise SerializationError("the body is a JSON object of the operation's members")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _cbor(body: bytes) -> dict[str, Any]:
    try:
        value = cbor2.loads(body) if body else {}
    except (cbor2.CBORDecodeError, RecursionError, ValueError) as err:
        raise SerializationError(f"the body is not CBOR: {err}") from None
    if not isinstance(value, dict):
        raise SerializationError("the body is a CBOR map of the operation's members")
    if not _text_keys(value):
        raise SerializationError("the body's maps have text keys (a structure's members, a map's keys)")
    return value


def _text_keys(value: Any, depth: int = 0) -> bool:
    """Every map in ``value`` has text keys (as Smithy RPC v2 CBOR writes structures and maps)."""
    if depth > 64:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _text_keys(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_text_keys(v, depth + 1) for v in value)
    return True


def _query(form: dict[str, str], shape: Shape | None) -> dict[str, Any]:
    """A query form's members by the input shape (``Names.member.1``, ``Map.entry.1.key``)."""
    return (_members(form, "", shape) or {}) if shape is not None else {}


def _members(form: dict[str, str], prefix: str, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for member, sub in shape.members.items():
            key = sub.serialization.get("name", member)
            value = _members(form, f"{prefix}.{key}" if prefix else key, sub)
            if value is not None:
                out[member] = value
        return out or None
    if kind == "list":
        item, items = shape.member, []
        stem = prefix if shape.serialization.get("flattened") else f"{prefix}.member"
        if form.get(prefix) == "":  # an empty list
            return []
        while (value := _members(form, f"{stem}.{len(items) + 1}", item)) is not None:
            items.append(value)
        return items or None
    if kind == "map":
        entries, i = {}, 1
        while (key := form.get(f"{prefix}.entry.{i}.key")) is not None:
            entries[key] = _members(form, f"{prefix}.entry.{i}.value", shape.value)
            i += 1
        return entries or None
    if prefix not in form:
        return None
    return _scalar(form[prefix], kind, prefix)


def _scalar(text: str, kind: str, name: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise SerializationError(f"{name}: {text!r} is not a number") from None
    if kind == "boolean":
        return text.lower() == "true"
    return text


def epoch(value: Any) -> float | None:
    """A timestamp member, whatever the protocol carried (a datetime, epoch seconds, ISO 8601), as
    epoch seconds; None when it is none of those."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return epoch(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def reply(call: Call, result: dict[str, Any] | bytes) -> Reply:
    """The operation's result in the protocol of ``call``."""
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if isinstance(result, bytes):  # JSON as sent (the fast paths of JSON-only services)
        assert call.protocol == JSON, f"{call.service} answered bytes to a {call.protocol} client"
        return Reply(200, {**headers, "Content-Type": f"application/x-amz-json-{call.json_version}"}, result)
    if call.protocol == JSON:
        body = json.dumps(result, default=_json_time, separators=(",", ":")).encode()
        return Reply(200, {**headers, "Content-Type": f"application/x-amz-json-{call.json_version}"}, body)
    if call.protocol == CBOR:
        return Reply(200, {**headers, "Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
                     cbor2.dumps(result, datetime_as_timestamp=True))
    return Reply(200, {**headers, "Content-Type": "text/xml"}, _xml(call, result, headers["x-amzn-RequestId"]))


def error(protocol: str, err: TjsimError, status: int = 400, *, query_compatible: bool = False,
          json_version: str = "1.1") -> Reply:
    """``err`` as the protocol carries an error: its AWS code and message."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    fault = "Receiver" if status >= 500 else "Sender"  # ours, or the request's
    if protocol == QUERY:
        body = (f'<ErrorResponse><Error><Type>{fault}</Type><Code>{_text(err.code)}</Code>'
                f'<Message>{_text(str(err))}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>')
        return Reply(status, {**headers, "Content-Type": "text/xml"}, body.encode())
    if query_compatible:  # [DOC] the query-era code, for clients that map it
        headers["x-amzn-query-error"] = f"{err.code};{fault}"
    payload = {"__type": err.code, "message": str(err)}
    if protocol == CBOR:
        return Reply(status, {**headers, "Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"},
                     cbor2.dumps(payload))
    return Reply(status, {**headers, "Content-Type": f"application/x-amz-json-{json_version}"},
                 json.dumps(payload).encode())


def query_compatible(name: str) -> bool:
    """The service also speaks the query protocol, and its JSON errors carry the query-era code."""
    return "awsQueryCompatible" in service.model(name).metadata


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    """Text as XML 1.0 can carry it: escaped, and a character it cannot hold (a control
    character a request echoed) replaced by U+FFFD, so that the client can parse the answer."""
    return escape(_NOT_XML.sub("\ufffd", value))


def _json_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _xml(call: Call, result: dict[str, Any], request_id: str) -> bytes:
    """The query protocol's XML response: ``<OpResponse><OpResult>...</OpResult>`` and its metadata."""
    model = call.model
    namespace = model.service_model.metadata.get("xmlNamespace", "")
    shape = model.output_shape
    inner = _xml_value(result, shape) if shape is not None else ""
    name = call.operation
    wrapper = model.output_shape.serialization.get("resultWrapper", f"{name}Result") if shape is not None else None
    result_xml = f"<{wrapper}>{inner}</{wrapper}>" if wrapper else ""
    return (f'<{name}Response xmlns="{namespace}">{result_xml}<ResponseMetadata><RequestId>{request_id}'
            f'</RequestId></ResponseMetadata></{name}Response>').encode()


def _xml_value(value: Any, shape: Shape) -> str:
    kind = shape.type_name
    if kind == "structure":
        parts = []
        for member, sub in shape.members.items():
            if member in value and value[member] is not None:
                tag = sub.serialization.get("name", member)
                if sub.type_name == "list" and sub.serialization.get("flattened"):
                    parts.extend(f"<{tag}>{_xml_value(item, sub.member)}</{tag}>" for item in value[member])
                else:
                    parts.append(f"<{tag}>{_xml_value(value[member], sub)}</{tag}>")
        return "".join(parts)
    if kind == "list":
        tag = shape.member.serialization.get("name", "member")
        return "".join(f"<{tag}>{_xml_value(item, shape.member)}</{tag}>" for item in value)
    if kind == "map":
        return "".join(f"<entry><key>{_text(str(k))}</key><value>{_xml_value(v, shape.value)}</value></entry>"
                       for k, v in value.items())
    if kind == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if kind == "boolean":
        return "true" if value else "false"
    return _text(str(value))


__all__ = [
    "CBOR",
    "JSON",
    "QUERY",
    "SERVED",
    "Call",
    "Reply",
    "Unrecognized",
    "epoch",
    "error",
    "json_object",
    "json_version",
    "query_compatible",
    "recognize",
    "reply",
]
