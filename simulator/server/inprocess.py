"""tjsim in process, without a server: botocore's clients in this process reach the simulation
through botocore's event hooks, as moto's ``mock_aws`` does — no port, no thread::

    from simulator.server.inprocess import mock_sagemaker

    with mock_sagemaker() as aws:                 # or @mock_sagemaker() on a test
        sm = boto3.client("sagemaker", region_name="us-east-1")
        sm.create_training_job(...)
        aws.next("my-job")                        # the clock: advance(s), next(name), inject(...)

Training jobs, their logs and metrics, tags and identity are tjsim's (:mod:`.services`); every other
call goes to moto: the mock enters ``mock_aws`` itself (nesting with one the test entered, in
either order), so S3 works as the SageMaker SDK needs it, and a completed job's model is there.

As with moto, a client must be created inside the mock (botocore gives a client the hooks of its
session when it is made). ``sleep_advances=k`` makes ``time.sleep(s)`` move the simulated clock on
by ``k * s`` seconds instead of waiting (and the process clock count the seconds slept,
:mod:`.sleeps`), so that SDK code that polls (``fit()``, ``wait()``) runs through a job at once.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS

from .. import defaults
from ..engine.actions import Action
from ..format.events import ACTION
from . import control, elsewhere, services
from .backend import Backend
from .clock import ManualClock, RealtimeClock, parse_origin
from .identity import Roles
from .sleeps import SleepsAdvance
from .stories import Stories

F = TypeVar("F", bound=Callable[..., Any])
_ACTIVE: list[SimulatedAWS] = []  #: the mocks entered, innermost last


class SimulatedAWS:
    """A simulation that this process's botocore clients reach, and its clock.

    Args:
        origin: the wall-clock time of the clock's zero (ISO 8601 or epoch seconds).
        scenarios: a folder of scenarios a job can name with its tag ``tjsim:scenario``.
        default_scenario: the scenario of a job without the tag.
        speed: None for a manual clock (the default); else simulated seconds per real second.
        sleep_advances: ``time.sleep(s)`` (in any thread) moves the (manual) clock on by
            ``sleep_advances * s`` instead of waiting, and ``time.time()`` counts ``s`` (None: sleeps
            are real).
        roles: roles that are missing or denied.
        others: hand every other AWS call to moto (``mock_aws``).
    """

    def __init__(self, *, origin: str | float | None = None, scenarios: Any = None,
                 default_scenario: str | None = None, speed: float | None = None,
                 sleep_advances: float | None = None, roles: Roles | None = None, region: str | None = None,
                 account: str | None = None, others: bool = True):
        if sleep_advances is not None and speed is not None:
            raise ValueError("sleep_advances moves a manual clock: give it or speed, not both")
        if isinstance(origin, str):
            origin = parse_origin(origin)
        self._options = {"origin": defaults.DEFAULT_EPOCH.timestamp() if origin is None else origin,
                         "region": region, "account": account, "roles": roles}
        self._stories = (scenarios, default_scenario)
        self._speed, self._sleep_advances, self._others = speed, sleep_advances, others
        self.backend: Backend | None = None
        self._moto: Any = None
        self._sleeps: SleepsAdvance | None = None

    def __repr__(self) -> str:
        return f"<SimulatedAWS {self.backend!r}>"

    # -- entering and leaving -------------------------------------------------------------------
    def start(self) -> SimulatedAWS:
        if self in _ACTIVE:
            raise RuntimeError("this mock is already started: stop() it first, or make another")
        clock = ManualClock() if self._speed is None else RealtimeClock(self._speed)
        self.backend = Backend(clock=clock, stories=Stories(*self._stories), **self._options)
        if self._others:
            from moto import mock_aws

            _install()  # moto's hook, imported just now, must not answer what tjsim answered
            self._moto = mock_aws()
            self._moto.start()
        if self._sleep_advances is not None:
            self._sleeps = SleepsAdvance(self.advance, self._sleep_advances, threads="all").__enter__()
        _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if self._sleeps is not None:
            self._sleeps.__exit__()
            self._sleeps = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> SimulatedAWS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """As a decorator: the function runs inside a fresh mock."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with SimulatedAWS(**self._settings()):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _settings(self) -> dict[str, Any]:
        return {**self._options, "scenarios": self._stories[0], "default_scenario": self._stories[1],
                "speed": self._speed, "sleep_advances": self._sleep_advances, "others": self._others}

    # -- the clock --------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """The simulated present, in epoch seconds."""
        return self._backend().now

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the clock on by ``seconds``."""
        return control.advance(self._backend(), seconds)

    def next(self, name: str | None = None) -> dict[str, Any]:
        """Move the clock to the next change of job ``name`` (or of any job)."""
        return control.advance_to_next(self._backend(), name)

    def inject(self, name: str, action: Action | str, **fields: Any) -> dict[str, Any]:
        """Force a path now: ``inject("my-job", "interrupt")``, ``inject("my-job", "fail",
        error="AlgorithmError", message="...")``, or an action object."""
        body = ACTION.dump_python(action, mode="json", exclude_none=True) if not isinstance(action, str) else \
            {"type": action, **fields}
        return control.inject(self._backend(), name, body)

    def events(self, after: int = 0, name: str | None = None) -> Iterator[dict[str, Any]]:
        """The EventBridge events of every change so far (of job ``name`` alone, if given) after
        event number ``after``, oldest first: the feed ``GET /_tjsim/events`` streams."""
        backend = self._backend()
        backend.sync()
        for _, event in backend.feed.since(after, name):
            yield event

    def _backend(self) -> Backend:
        if self.backend is None:
            raise RuntimeError("the mock is not started: use it as a context manager or decorator")
        return self.backend


def mock_sagemaker(**settings: Any) -> SimulatedAWS:
    """A context manager and decorator: SageMaker training jobs, their logs, metrics and identity
    simulated in this process, every other AWS call to moto. See :class:`SimulatedAWS`."""
    return SimulatedAWS(**settings)


class _Raw(io.BytesIO):
    def stream(self, **_: Any):
        yield self.getvalue()


def _answer(request: Any, **_: Any) -> AWSResponse | None:
    """botocore's ``before-send`` hook: the innermost mock's answer, or None for moto (or the network)."""
    if not _ACTIVE:
        return None
    backend = _ACTIVE[-1]._backend()
    url = urlsplit(request.url)
    body = request.body
    if hasattr(body, "read"):
        return _elsewhere(backend)  # a streamed body: an upload, never one of tjsim's calls
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if request.method == "GET" and not raw and "Action=" in url.query:
        raw = url.query.encode()
    try:
        headers = {k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v for k, v in request.headers.items()}
        reply = services.handle(backend, request.method, url.path, headers, raw)
    except elsewhere.Elsewhere:
        return _elsewhere(backend)
    request.tjsim_answered = True  # botocore asks every hook: moto's must not answer too
    return AWSResponse(request.url, reply.status, reply.headers, _Raw(reply.body))


def _elsewhere(backend: Backend) -> None:
    elsewhere.write_artifacts(backend)
    return None


class _UnlessAnswered:
    """moto's hook, asked only for what tjsim did not answer (botocore calls every ``before-send``
    hook, and moto's would answer a call again, or fail on one it lacks)."""

    def __init__(self, stubber: Any):
        self.stubber = stubber

    def __call__(self, event_name: str, request: Any, **kwargs: Any) -> Any:
        if getattr(request, "tjsim_answered", False):
            return None
        return self.stubber(event_name, request, **kwargs)


def _install() -> None:
    """Put the hook in every botocore session made from now on, before moto's (whatever was
    imported first), and moto's behind it asked only for what tjsim leaves."""
    entry = ("before-send", _answer)
    if entry not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.append(entry)
    for i, (event, handler, *rest) in enumerate(BUILTIN_HANDLERS):
        if event == "before-send" and type(handler).__name__ == "BotocoreStubber":
            BUILTIN_HANDLERS[i] = (event, _UnlessAnswered(handler), *rest)
    mine = BUILTIN_HANDLERS.index(entry)
    first = next(i for i, (event, *_) in enumerate(BUILTIN_HANDLERS) if event == "before-send")
    if mine > first:
        BUILTIN_HANDLERS.insert(first, BUILTIN_HANDLERS.pop(mine))


_install()

__all__ = ["SimulatedAWS", "mock_sagemaker"]
