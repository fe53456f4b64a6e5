"""The HTTP edge in process: the AWS JSON 1.1 protocol, its errors, CORS, and garbage that never breaks it."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from simulator.server import control as control_api
from simulator.server import services
from simulator.server.app import AWS_JSON, MAX_BODY, create_app
from simulator.server.backend import Backend

from .factories import JOB
from .server_helpers import http_scope


def client() -> TestClient:
    return TestClient(create_app(Backend(origin=1_735_689_600.0)), raise_server_exceptions=False)


def call(c: TestClient, operation: str, body: object, **headers: str):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return c.post("/", content=raw, headers={"X-Amz-Target": f"SageMaker.{operation}", "Content-Type": AWS_JSON,
                                            **headers})


def test_an_operation_answers_in_the_aws_json_protocol():
    c = client()
    response = call(c, "CreateTrainingJob", {**JOB, "TrainingJobName": "a"})
    assert response.status_code == 200
    assert response.headers["content-type"] == AWS_JSON
    assert len(response.headers["x-amzn-requestid"]) == 36
    assert response.json() == {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/a"}
    described = call(c, "DescribeTrainingJob", {"TrainingJobName": "a"}).json()
    assert described["SecondaryStatus"] == "Starting" and described["CreationTime"] == 1_735_689_600.0


def test_errors_are_the_services_four_hundreds():
    c = client()
    cases = [
        (call(c, "DescribeTrainingJob", {"TrainingJobName": "nope"}), 400, "ValidationException",
         "Requested resource not found."),
        (call(c, "DeleteEverything", {}), 400, "UnknownOperationException", None),
        (c.post("/", content=b"{}", headers={"Content-Type": AWS_JSON}), 400, "UnknownOperationException", None),
        (call(c, "DescribeTrainingJob", b"{not json"), 400, "SerializationException", None),
        (call(c, "DescribeTrainingJob", b"[1, 2]"), 400, "SerializationException", None),
        (call(c, "DescribeTrainingJob", b"x" * (MAX_BODY + 1)), 413, "RequestEntityTooLargeException", None),
        (call(c, "DescribeTrainingJob", {"TrainingJobName": 7}), 400, "ValidationException", None),
        (call(c, "ListTrainingJobs", b'{"CreationTimeAfter": NaN}'), 400, "SerializationException", None),
        (call(c, "ListTrainingJobs", b'{"MaxResults": Infinity}'), 400, "SerializationException", None),
        (call(c, "ListTrainingJobs", b"[" * 100_000 + b"]" * 100_000), 400, "SerializationException", None),
        (call(c, "ListTrainingJobs", {"CreationTimeAfter": "yesterday"}), 400, "ValidationException", None),
        (c.put("/"), 405, "UnknownOperationException", None),
        (c.post("/v1/jobs", json={}), 404, "UnknownOperationException", None),
    ]
    for response, status, code, message in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == AWS_JSON and "x-amzn-requestid" in response.headers
        assert response.json()["__type"] == code
        if message is not None:
            assert response.json()["message"] == message


def test_a_browser_asking_for_the_root_gets_the_console_and_an_aws_call_there_does_not():
    c = client()
    page = c.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})  # as a browser asks
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/_tjsim/console/console.js" in page.text and c.get("/_tjsim/console").text == page.text
    assert "<html" not in c.get("/").text  # an unsigned SDK call (S3's ListBuckets) asks for no HTML
    for asset in ("console.js", "console.css"):
        assert c.get(f"/_tjsim/console/{asset}").status_code == 200
    signed = c.get("/", headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x/20250101/us-east-1/s3/aws4_request, "
                                                  "SignedHeaders=host, Signature=0"})
    assert "<html" not in signed.text  # S3's ListBuckets: moto's


def test_a_browser_dashboard_passes_the_cors_preflight():
    c = client()
    preflight = c.options("/", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
                                        "Access-Control-Request-Headers": "x-amz-target,x-amz-date,authorization,"
                                                                          "content-type,x-amz-user-agent"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "x-amz-target" in preflight.headers["access-control-allow-headers"].lower()
    response = call(c, "ListTrainingJobs", {}, Origin="http://localhost:3000")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "x-amzn-requestid" in response.headers["access-control-expose-headers"].lower()


def fails(*args):
    raise KeyError("oops")


@pytest.mark.parametrize("breaks, ask", [
    (lambda patch: patch.setitem(services.OPERATIONS, ("sagemaker", "ListTrainingJobs"), fails),
     lambda c: call(c, "ListTrainingJobs", {}, Origin="http://localhost:3000")),
    (lambda patch: patch.setattr(control_api, "clock_state", fails),
     lambda c: c.post("/_tjsim/clock/advance", json={"seconds": 1}, headers={"Origin": "http://localhost:3000"})),
])
def test_a_bug_of_ours_is_a_500_internal_failure_a_browser_can_read(monkeypatch, caplog, breaks, ask):
    c = client()
    breaks(monkeypatch)
    with caplog.at_level(logging.ERROR, logger="tjsim.server"):
        response = ask(c)
    assert response.status_code == 500
    assert response.json() == {"__type": "InternalFailure", "message": "tjsim failed: KeyError: 'oops'"}
    assert response.headers["content-type"] == AWS_JSON and "x-amzn-requestid" in response.headers
    assert response.headers["access-control-allow-origin"] == "*"  # answered inside the CORS layer
    assert "internal error" in caplog.text
    monkeypatch.undo()
    assert call(c, "ListTrainingJobs", {}).status_code == 200  # still serving


def test_the_control_api():
    c = client()
    call(c, "CreateTrainingJob", {**JOB, "TrainingJobName": "a"})
    assert c.get("/_tjsim/clock").json()["mode"] == "manual"
    assert c.post("/_tjsim/clock/advance", json={"seconds": 90}).json()["simulated_seconds"] == 90
    moved = c.post("/_tjsim/clock/next", json={"TrainingJobName": "a"}).json()
    assert moved["changed"] and moved["simulated_seconds"] > 90
    refused = c.post("/_tjsim/jobs/a/inject", json={"type": "interrupt"})
    assert refused.status_code == 400 and "not a spot job" in refused.json()["message"]
    missing = c.post("/_tjsim/jobs/nope/inject", json={"type": "stop"})
    assert missing.json()["message"] == "Requested resource not found."
    assert c.post("/_tjsim/clock/advance", json={"seconds": "soon"}).status_code == 400
    typo = c.post("/_tjsim/clock/advance", json={"second": 5})
    assert typo.status_code == 400 and typo.json()["message"] == "second: not a member here (did you mean 'seconds'?)"
    assert c.post("/_tjsim/clock/next", json={"TrainingJobName": ["a"]}).status_code == 400


def test_list_time_windows_take_epoch_seconds_or_the_texts_botocore_sends():
    c = client()
    call(c, "CreateTrainingJob", {**JOB, "TrainingJobName": "a"})  # created 2025-01-01T00:00:00Z

    def names(**window):
        return [s["TrainingJobName"] for s in call(c, "ListTrainingJobs", window).json()["TrainingJobSummaries"]]

    assert names(CreationTimeAfter=1_735_689_599) == ["a"] and names(CreationTimeAfter=1_735_689_600) == []
    assert names(CreationTimeAfter="2024-12-31T23:59:59Z") == ["a"]
    assert names(CreationTimeBefore="2025-01-01") == []
    assert names(CreationTimeAfter=10**400) == [] and names(CreationTimeBefore=10**400) == ["a"]


def test_any_signature_and_credentials_are_accepted():
    c = client()
    signed = call(c, "ListTrainingJobs", {}, Authorization="AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/"
                  "us-east-1/sagemaker/aws4_request, SignedHeaders=host;x-amz-date, Signature=deadbeef",
                  **{"X-Amz-Date": "20250101T000000Z"})
    assert signed.status_code == 200


OPERATIONS = ["CreateTrainingJob", "DescribeTrainingJob", "StopTrainingJob", "UpdateTrainingJob", "ListTrainingJobs"]
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                        max_size=4), max_leaves=12)
members = st.dictionaries(st.sampled_from(["TrainingJobName", "RoleArn", "ResourceConfig", "StoppingCondition",
                                           "MaxResults", "NextToken", "SortBy", "StatusEquals", "Tags",
                                           "AlgorithmSpecification", "OutputDataConfig", "ProfilerConfig"]),
                          json_values, max_size=6)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation=st.sampled_from([*OPERATIONS, "Nope", ""]),
       body=st.one_of(st.binary(max_size=200), members.map(json.dumps), json_values.map(json.dumps)))
def test_garbage_never_gets_a_500_nor_breaks_the_server(operation, body):
    c = GARBAGE_CLIENT
    response = call(c, operation, body)
    assert response.status_code < 500, response.text
    assert call(c, "ListTrainingJobs", {}).status_code == 200  # still serving


timestamps = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=30), st.datetimes().map(str))
list_requests = st.fixed_dictionaries({}, optional={
    key: timestamps for key in ("CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter",
                                "LastModifiedTimeBefore")} | {"MaxResults": st.integers(), "NameContains": st.text()})
control = st.one_of(
    st.tuples(st.just("/_tjsim/clock/advance"), st.one_of(members, st.fixed_dictionaries({"seconds": json_values}))),
    st.tuples(st.just("/_tjsim/clock/next"),
              st.one_of(members, st.fixed_dictionaries({"TrainingJobName": json_values}))),
    st.tuples(st.sampled_from(["/_tjsim/jobs/a/inject", "/_tjsim/jobs/nope/inject", "/_tjsim/jobs/%00/inject"]),
              st.one_of(json_values, st.fixed_dictionaries({"type": st.sampled_from(["stop", "interrupt", "fail",
                                                                                      "update", "x"])},
                                                            optional={"error": json_values, "message": json_values,
                                                                      "changes": json_values}))),
)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=st.one_of(list_requests.map(lambda r: ("/", r)), control))
@example(request=("/", {"CreationTimeAfter": "1000000000000"}))  # botocore's parser raises RuntimeError on it
def test_time_windows_and_control_calls_never_get_a_500(request):
    path, body = request
    c = GARBAGE_CLIENT
    if path == "/":
        response = call(c, "ListTrainingJobs", body)
    else:
        response = c.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    assert call(c, "ListTrainingJobs", {}).status_code == 200  # still serving


GARBAGE_CLIENT = client()
call(GARBAGE_CLIENT, "CreateTrainingJob", {**JOB, "TrainingJobName": "a"})


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/x-www-form-urlencoded; x",
                                          ""])
def test_a_json_call_under_another_content_type_is_no_operation_and_changes_nothing(content_type):
    c = client()
    request = json.dumps({**JOB, "TrainingJobName": "a"})
    headers = {"X-Amz-Target": "SageMaker.CreateTrainingJob"}
    if content_type:
        headers["Content-Type"] = content_type
    response = c.post("/", content=request, headers=headers)
    assert response.status_code == 404 and response.json()["__type"] == "UnknownOperationException"
    assert "application/x-amz-json-1.1" in response.json()["message"]
    assert call(c, "DescribeTrainingJob", {"TrainingJobName": "a"}).status_code == 400  # never created
    assert call(c, "CreateTrainingJob", request, **{"Content-Type": f"{AWS_JSON}; charset=utf-8"}).status_code == 200


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "latin-1"])
def test_a_body_not_in_utf_8_is_a_serialization_error(encoding):
    c = client()
    body = json.dumps({**JOB, "TrainingJobName": "ü-job"}, ensure_ascii=False).encode(encoding)
    response = call(c, "CreateTrainingJob", body)
    assert response.status_code == 400 and response.json()["__type"] == "SerializationException"


@pytest.mark.parametrize("path, headers", [
    ("/", {"x-amz-target": "SageMaker.CreateTrainingJob", "content-type": AWS_JSON}),
    ("/_tjsim/clock/advance", {"content-type": "application/json"}),
])
def test_a_sender_that_stops_mid_body_is_answered_408_and_let_go(monkeypatch, path, headers):
    """The ASGI app driven by hand: a body whose second half never comes."""
    import asyncio

    from simulator.server import app

    monkeypatch.setattr(app, "READ_TIMEOUT", 0.1)
    backend = Backend(origin=1_735_689_600.0)
    served = create_app(backend)
    pieces = [{"type": "http.request", "body": b'{"seconds": 600', "more_body": True}]
    sent = []

    async def receive():
        if pieces:
            return pieces.pop(0)
        await asyncio.sleep(3600)  # the rest never comes

    async def send(message):
        sent.append(message)

    asyncio.run(asyncio.wait_for(served(http_scope("POST", path, headers), receive, send), 5))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 408 and json.loads(body)["__type"] == "RequestTimeoutException"
    assert backend.sim.now == 0 and not backend.sim.jobs  # nothing was done
    if path == "/":  # an AWS call's connection is let go
        assert (b"connection", b"close") in [(k.lower(), v) for k, v in start["headers"]]
