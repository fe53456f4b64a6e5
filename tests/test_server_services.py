"""The endpoint's one dispatch table, attacked: whatever a client sends to any served operation, in
any protocol its service speaks, is answered below 500 in that protocol, with nothing logged as
our failure; an operation nobody serves (moto has not implemented it) is the client's 4xx too."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from simulator import service
from simulator.server import protocols, services
from simulator.server.app import create_app
from simulator.server.backend import Backend

from .aws_helpers import GROUP, job

ARN = "arn:aws:sagemaker:us-east-1:123456789012:training-job/fuzzed"
#: values that lead a request to tjsim's own resources (else most would go on to moto)
OURS = {"logGroupName": GROUP, "Namespace": GROUP, "ResourceArn": ARN, "TrainingJobName": "fuzzed",
        "logStreamName": "fuzzed/algo-1-1735689839", "logStreamNamePrefix": "fuzzed/", "RoleName": "SageMakerRole",
        "PolicySourceArn": "arn:aws:iam::123456789012:role/SageMakerRole", "MetricName": "train:loss"}


def scope(name: str) -> str:
    signing = service.model(name).metadata.get("signingName") or service.model(name).metadata["endpointPrefix"]
    return (f"AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/{signing}/aws4_request, "
            "SignedHeaders=host, Signature=0")


def encoded(name: str, operation: str, protocol: str, members: dict) -> tuple[str, dict[str, str], bytes]:
    """(path, headers, body) as a client of ``protocol`` sends the call."""
    model = service.model(name)
    if protocol == protocols.JSON:
        version = model.metadata.get("jsonVersion", "1.1")
        return "/", {"X-Amz-Target": f"{model.metadata['targetPrefix']}.{operation}",
                     "Content-Type": f"application/x-amz-json-{version}", "Authorization": scope(name)}, \
            json.dumps(members).encode()
    if protocol == protocols.CBOR:
        return f"/service/{model.metadata['targetPrefix']}/operation/{operation}", {
            "smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor",
            "Authorization": scope(name)}, cbor2.dumps(members)
    form = {"Action": operation, "Version": model.api_version}
    for key, value in members.items():
        if isinstance(value, list):
            form.update({f"{key}.member.{i}": json.dumps(v) for i, v in enumerate(value, 1)})
        else:
            form[key] = value if isinstance(value, str) else json.dumps(value)
    return "/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Authorization": scope(name)}, \
        urlencode(form).encode()


def readable(protocol: str, body: bytes) -> bool:
    """The client can parse the answer in its protocol."""
    try:
        if protocol == protocols.JSON:
            return isinstance(json.loads(body), dict)
        if protocol == protocols.CBOR:
            return isinstance(cbor2.loads(body), dict)  # (a text body would decode as some CBOR item)
        ET.fromstring(body)
    except (ValueError, ET.ParseError):
        return False
    return True


def spoken(name: str) -> list[str]:
    metadata = service.model(name).metadata
    return [p for p in metadata.get("protocols") or [metadata["protocol"]]
            if p in (protocols.JSON, protocols.CBOR, protocols.QUERY)]


CALLS = sorted((name, operation, protocol) for name, operation in services.OPERATIONS for protocol in spoken(name))
values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                   max_size=3), max_leaves=8)
#: what only CBOR carries: bytes, and maps whose keys are not text
cbor_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
                           | st.binary(max_size=8),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                               st.text(max_size=10) | st.integers() | st.binary(max_size=4), inner, max_size=3),
                           max_leaves=8)


@st.composite
def requests(draw):
    name, operation, protocol = draw(st.sampled_from(CALLS))
    shape = service.model(name).operation_model(operation).input_shape
    names = list(shape.members) if shape is not None else []
    members = {}
    drawn = cbor_values if protocol == protocols.CBOR else values
    for member in draw(st.lists(st.sampled_from([*names, "Junk"]), max_size=5, unique=True)):
        members[member] = OURS[member] if member in OURS and draw(st.booleans()) else draw(drawn)
    if protocol == protocols.CBOR and draw(st.booleans()):
        members = draw(cbor_values)  # not even a map
    return name, operation, protocol, members


@pytest.fixture(scope="module")
def endpoint():
    client = TestClient(create_app(Backend(origin=1_735_689_600.0)), raise_server_exceptions=False)
    path, headers, body = encoded("sagemaker", "CreateTrainingJob", protocols.JSON, job("fuzzed"))
    assert client.post(path, content=body, headers=headers).status_code == 200
    assert client.post("/_tjsim/clock/advance", json={"seconds": 100_000}).status_code == 200
    return client


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_anything_sent_to_a_served_operation_is_answered_below_500_in_its_protocol(endpoint, caplog, request):
    name, operation, protocol, members = request
    path, headers, body = encoded(name, operation, protocol, members)
    with caplog.at_level(logging.WARNING, logger="tjsim.server"):
        caplog.clear()
        response = endpoint.post(path, content=body, headers=headers)
    assert response.status_code < 500, response.text
    assert readable(protocol, response.content), response.content[:200]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


UNSERVED = [("logs", "GetLogRecord", protocols.JSON, {"logRecordPointer": "x"}),
            ("cloudwatch", "DescribeAnomalyDetectors", protocols.QUERY, {}),
            ("cloudwatch", "DescribeAnomalyDetectors", protocols.JSON, {}),
            ("iam", "GenerateServiceLastAccessedDetails", protocols.QUERY,
             {"Arn": "arn:aws:iam::123456789012:role/x"})]


@pytest.mark.parametrize(("name", "operation", "protocol", "members"), UNSERVED)
def test_an_operation_nobody_serves_is_the_clients_4xx_in_its_protocol(endpoint, caplog, name, operation,
                                                                        protocol, members):
    path, headers, body = encoded(name, operation, protocol, members)
    response = endpoint.post(path, content=body, headers=headers)
    assert response.status_code == 400 and readable(protocol, response.content)
    code = "InvalidAction" if protocol == protocols.QUERY else "UnknownOperationException"
    assert code in response.text and "moto has not implemented it" in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize(("name", "operation", "protocol"), [
    ("logs", "GetLogEvents", protocols.QUERY),           # CloudWatch Logs speaks JSON only
    ("sagemaker", "DescribeTrainingJob", protocols.CBOR),  # SageMaker: JSON only
])
def test_a_request_in_a_protocol_its_service_does_not_speak_is_a_clear_4xx(endpoint, name, operation, protocol):
    path, headers, body = encoded(name, operation, protocol, {"TrainingJobName": "fuzzed"})
    response = endpoint.post(path, content=body, headers=headers)
    assert 400 <= response.status_code < 500 and readable(protocol, response.content)
    assert "does not speak" in response.text
