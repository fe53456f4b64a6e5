"""What the endpoint's in-process tests share: a backend on a manual clock serving the shipped
stories, a CreateTrainingJob request, and a describe read as JSON."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from simulator.server.backend import Backend
from simulator.server.sagemaker import describe_training_job
from simulator.server.stories import Stories

from .conftest import ROOT
from .factories import JOB

ORIGIN = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def backend(**kwargs: Any) -> Backend:
    return Backend(stories=Stories(ROOT / "scenarios"), origin=ORIGIN, **kwargs)


def request(name: str = "job-1", **members: Any) -> dict[str, Any]:
    """The factories' job as a CreateTrainingJob request named ``name``, with ``members`` changed."""
    return {**copy.deepcopy(JOB), "TrainingJobName": name, **members}


def describe(b: Backend, name: str = "job-1") -> dict[str, Any]:
    return json.loads(describe_training_job(b, {"TrainingJobName": name}))


def start_server(state: Path, port: int = 0, file_size: int | None = None) -> tuple[subprocess.Popen, str]:
    """``tjsim serve --state`` on ``port`` (0: of the system's choosing, no race with other tests for
    a free one): the process and its URL, read from the line it announces on stderr (kept in a log
    beside the state). ``file_size``: the largest file the process may write, in bytes (a full disk
    without filling one: past it, a write fails with EFBIG — Python ignores SIGXFSZ)."""
    log = state.with_suffix(f".{time.monotonic_ns()}.log")

    def limited() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port",
                                    str(port), "--state", str(state)], stderr=stderr,
                                   preexec_fn=limited if file_size is not None else None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        announced = [line for line in log.read_text().splitlines() if "SageMaker on http://" in line]
        if announced:
            return process, announced[0].split("SageMaker on ")[1].split()[0]
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise RuntimeError(log.read_text())


def post(url: str, operation: str, body: bytes) -> tuple[int, Any]:
    """One SageMaker call to the endpoint at ``url``, unsigned: (HTTP status, its JSON answer)."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=body, method="POST", headers={
        "X-Amz-Target": f"SageMaker.{operation}", "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def control(url: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """A call of the control API: GET without ``body``, else POST it as JSON."""
    import urllib.error
    import urllib.request

    req = urllib.request.Request(f"{url}/_tjsim/{path}", data=None if body is None else json.dumps(body).encode(),
                                 method="GET" if body is None else "POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def http_scope(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """An ASGI HTTP scope, for tests that drive the app by hand (a body in pieces, requests at once)."""
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()], "http_version": "1.1",
            "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1), "root_path": ""}
