"""Requests HTTP itself refuses: answered in the client's AWS protocol when their headers name it,
in uvicorn's text when nothing does; one log line each, never a traceback. A real ``tjsim serve``."""

from __future__ import annotations

import json
import socket

import pytest

from .server_helpers import start_server

AWS = (b"X-Amz-Target: SageMaker.CreateTrainingJob\r\n"
       b"Content-Type: application/x-amz-json-1.1\r\n")


def sent(url: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """``data`` written raw to the server: the status, headers and body it answered."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    state = tmp_path_factory.mktemp("wire") / "s.db"
    server, url = start_server(state)
    yield url, state
    server.terminate()
    server.wait()


@pytest.mark.parametrize("malformed, why", [
    (b"POST / HTTP/1.1\r\nHost: x\r\n" + AWS + b"Content-Length: ten\r\n\r\n{}", "Invalid character in Content-Length"),
    (b"POST / HTTP/1.1\r\nHost: x\r\n" + AWS + b"A header without its colon\r\n\r\n{}", "Invalid header token"),
])
def test_a_malformed_aws_call_is_refused_in_aws_json(served, malformed, why):
    status, headers, body = sent(served[0], malformed)
    assert status == 400 and headers["content-type"] == "application/x-amz-json-1.1"
    assert "x-amzn-requestid" in headers and headers["connection"] == "close"
    error = json.loads(body)  # what botocore reads: the code and the parser's reason
    assert error["__type"] == "SerializationException" and why in error["message"]


def test_a_request_line_that_says_nothing_gets_uvicorns_text_and_one_log_line(served):
    url, state = served
    status, headers, body = sent(url, b"NOT HTTP AT ALL\r\n\r\n")
    assert status == 400 and headers["content-type"].startswith("text/plain") and body.startswith(b"Invalid")
    log = "".join(p.read_text() for p in state.parent.glob("*.log")).splitlines()
    said = [line for line in log if "Invalid HTTP request" in line]
    assert said and set(said) == {"WARNING:  Invalid HTTP request received."}  # a line each, no more
    assert not any("Traceback" in line for line in log)


def test_headers_that_stop_arriving_are_answered_408_and_let_go(monkeypatch):
    """uvicorn waits for the rest of a request's headers for ever: a slow sender held a connection."""
    import asyncio

    import uvicorn
    from uvicorn.server import ServerState

    from simulator.server import app, wire
    from simulator.server.backend import Backend

    monkeypatch.setattr(app, "READ_TIMEOUT", 0.2)
    config = uvicorn.Config(app.create_app(Backend(origin=1_735_689_600.0)), log_level="warning")
    config.load()

    async def slow() -> bytes:
        state = ServerState()
        server = await asyncio.get_running_loop().create_server(
            lambda: wire.AwsHttpProtocol(config=config, server_state=state, app_state={}), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST / HTTP/1.1\r\nHost: x\r\n" + AWS)  # and nothing more
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)  # until the server closes it
        writer.close()
        server.close()
        return answer

    answer = asyncio.run(slow())
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ") and b"connection: close" in head
    assert json.loads(body)["__type"] == "RequestTimeoutException"
