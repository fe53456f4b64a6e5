"""tjsim's pytest plugin: a local SageMaker endpoint per test, on a clock the test drives.

Installed with tjsim (a ``pytest11`` entry point), it gives every test suite the ``sagemaker_sim``
fixture::

    def test_dashboard_shows_interruption(sagemaker_sim):
        sm = sagemaker_sim.client()
        sm.create_training_job(..., Tags=[{"Key": "tjsim:scenario", "Value": "spot-interrupted"}])
        sagemaker_sim.advance_to_next("my-job")          # or .advance(seconds)

The endpoint is real (a uvicorn server on 127.0.0.1, on a free port, in a thread), so anything that
speaks HTTP — boto3, the AWS CLI, a browser dashboard — can use it; ``sagemaker_sim.environment()``
gives the variables that send unchanged SDK code there. The ``tjsim_aws`` fixture is the same
simulation in process, with no server (:mod:`.inprocess`): boto3 clients made in the test reach it
through botocore's hooks, every other AWS call reaches moto, and the clock is ``tjsim_aws.next()``,
``.advance()``, ``.inject()``. Settings (``pytest.ini`` /
``pyproject.toml``): ``tjsim_scenarios`` (a folder of scenarios a job can name with its tag
``tjsim:scenario``), ``tjsim_origin`` (the wall-clock time of the clock's zero, ISO 8601).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..defaults import DEFAULT_EPOCH, DEFAULT_REGION

DEFAULT_ORIGIN = DEFAULT_EPOCH.isoformat().replace("+00:00", "Z")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("tjsim_scenarios", "folder of tjsim scenarios the sagemaker_sim fixture's jobs can live")
    parser.addini("tjsim_origin", "wall-clock time of the sagemaker_sim clock's zero (ISO 8601)",
                  default=DEFAULT_ORIGIN)


class SageMakerSim:
    """A running endpoint and its manual clock."""

    def __init__(self, endpoint_url: str):
        self.endpoint_url = endpoint_url

    def __repr__(self) -> str:
        return f"<SageMakerSim {self.endpoint_url}>"

    def client(self, **kwargs: Any) -> Any:
        """A boto3 SageMaker client for this endpoint (any credentials do)."""
        import boto3

        options = {"region_name": DEFAULT_REGION, "aws_access_key_id": "tjsim", "aws_secret_access_key": "tjsim",
                   **kwargs}
        return boto3.client("sagemaker", endpoint_url=self.endpoint_url, **options)

    def environment(self, folder: Path) -> dict[str, str]:
        """The environment that sends an unchanged SDK's calls here: ``AWS_ENDPOINT_URL``, and a
        SageMaker SDK configuration (written in ``folder``) naming the default bucket, so that the
        SDK skips the STS endpoint it calls by a fixed URL, and opting out of its telemetry."""
        from .sdkconfig import environment

        return {**environment(self.endpoint_url, folder), "AWS_ACCESS_KEY_ID": "tjsim",
                "AWS_SECRET_ACCESS_KEY": "tjsim"}

    @property
    def now(self) -> float:
        """The simulated present, in epoch seconds."""
        return self._call("GET", "/_tjsim/clock")["now"]

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock on by ``seconds``."""
        return self._call("POST", "/_tjsim/clock/advance", {"seconds": seconds})

    def advance_to_next(self, name: str | None = None) -> dict[str, Any]:
        """Move the clock to the next change of job ``name`` (or of any job)."""
        return self._call("POST", "/_tjsim/clock/next", {"TrainingJobName": name} if name else {})

    def play(self, speed: float) -> dict[str, Any]:
        """Run the clock in real time from where it is, ``speed`` simulated seconds per second."""
        return self._call("POST", "/_tjsim/clock/play", {"speed": speed})

    def pause(self) -> dict[str, Any]:
        """Stop a running clock where it is."""
        return self._call("POST", "/_tjsim/clock/pause", {})

    def inject(self, name: str, kind: str, **fields: Any) -> dict[str, Any]:
        """Force a path now: ``inject("my-job", "interrupt")``, ``inject("my-job", "fail",
        error="AlgorithmError", message="...")``."""
        return self._call("POST", f"/_tjsim/jobs/{name}/inject", {"type": kind, **fields})

    def sleeps_advance(self, factor: float = 1.0) -> Any:
        """A context manager: while in it, this thread's ``time.sleep(s)`` moves the endpoint's clock
        on by ``factor * s`` instead of waiting, and ``time.time()`` counts ``s``, so that SDK code
        that polls runs through a job at once (:mod:`.sleeps`)."""
        from .sleeps import SleepsAdvance

        return SleepsAdvance(self.advance, factor, threads="this")  # the endpoint's own thread sleeps for real

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            error = json.loads(err.read() or b"{}")
            refusal = f"{error.get('__type')}: {error.get('message')}"
            raise AssertionError(f"tjsim refused {method} {path}: {refusal}") from None


@pytest.fixture
def tjsim_aws(request: pytest.FixtureRequest) -> Iterator[Any]:
    """SageMaker training jobs, their logs, metrics and identity simulated in this process, on a
    manual clock; every other AWS call to moto."""
    from .inprocess import SimulatedAWS

    folder = request.config.getini("tjsim_scenarios")
    with SimulatedAWS(scenarios=Path(request.config.rootpath, folder) if folder else None,
                      origin=request.config.getini("tjsim_origin")) as aws:
        yield aws


@pytest.fixture
def sagemaker_sim(request: pytest.FixtureRequest) -> Iterator[SageMakerSim]:
    """A local SageMaker endpoint with a manual clock, fresh for the test."""
    import uvicorn

    from .app import create_app
    from .backend import Backend
    from .clock import parse_origin
    from .stories import Stories

    folder = request.config.getini("tjsim_scenarios")
    stories = Stories(Path(request.config.rootpath, folder) if folder else None)
    backend = Backend(stories=stories, origin=parse_origin(request.config.getini("tjsim_origin")))
    server = uvicorn.Server(uvicorn.Config(create_app(backend), host="127.0.0.1", port=0, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, name="tjsim-endpoint", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the tjsim endpoint did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield SageMakerSim(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)
