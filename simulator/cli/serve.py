"""``tjsim serve``: the local SageMaker endpoint."""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .edge import fail, given, main
from .scenarios import shipped_scenarios

FREEZE_EVERY = 256  #: mutations between two gc.freeze() calls (see Backend.freeze_every)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--clock", "mode", type=click.Choice(["realtime", "manual"]), default="realtime", show_default=True,
              help="realtime: simulated time runs at --speed; manual: it moves only through /_tjsim/clock.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True, max=1e9), default=60.0, show_default=True,
              help="Simulated seconds per real second (realtime clock).")
@click.option("--scenarios", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of scenarios a job can live, named by its tag tjsim:scenario (default: the shipped "
                   "ones, as tjsim scenarios lists them).")
@click.option("--default-scenario", metavar="NAME", help="The scenario of a job without the tag.")
@click.option("--state", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file: every accepted request is journaled there and replayed on restart "
                   "(default: in memory).")
@click.option("--accept-damaged-wal", "damaged_wal", is_flag=True,
              help="Start even though the --state file's -wal is damaged, with the entries that can be read "
                   "(the -wal is kept beside it as FILE-wal.damaged); without it, such a file is refused, untouched.")
@click.option("--origin", metavar="ISO-8601", help="Wall-clock time of the clock's zero (default: now).")
@click.option("--region", help="For ARNs  [default: us-east-1, or the --state file's]")
@click.option("--account", help="For ARNs  [default: 123456789012, or the --state file's]")
@click.option("--missing-role", "missing", multiple=True, metavar="NAME",
              help="An IAM role that does not exist (NoSuchEntity); repeatable.")
@click.option("--denied-role", "denied", multiple=True, metavar="NAME",
              help="An IAM role refused every action (SimulatePrincipalPolicy: implicitDeny); repeatable.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, mode: str, speed: float, scenarios: Path | None,
                  default_scenario: str | None, state: Path | None, damaged_wal: bool, origin: str | None,
                  region: str | None, account: str | None, missing: tuple[str, ...], denied: tuple[str, ...]) -> None:
    """Serve SageMaker training jobs on a simulated clock, with their CloudWatch logs and metrics,
    tags, and identity (STS, IAM); every other AWS call goes to moto, in the same process.

    One endpoint serves every client: export AWS_ENDPOINT_URL=http://127.0.0.1:8000 (and the
    SageMaker SDK configuration it prints), then run unchanged boto3, AWS CLI or SageMaker SDK code.
    Any credentials and signatures are accepted. The control API is under /_tjsim (GET
    /_tjsim/clock; POST /_tjsim/clock/advance, /_tjsim/clock/next, /_tjsim/jobs/NAME/inject).
    """
    if mode == "manual" and given(ctx, "speed"):
        raise click.UsageError("--speed: applies to the realtime clock; a manual clock moves only when told", ctx)
    import uvicorn

    from ..server.app import create_app
    from ..server.backend import Backend
    from ..server.clock import ManualClock, RealtimeClock, parse_origin
    from ..server.identity import Roles
    from ..server.journal import Journal
    from ..server.sdkconfig import environment
    from ..server.stories import Stories
    from ..server.wire import AwsHttpProtocol

    start = None
    if origin is not None:
        try:
            start = parse_origin(origin)
        except ValueError:
            fail([f"--origin {origin}: not an ISO-8601 time (write 2025-01-31T09:00:00Z)"])
    listener = _listen(host, port)  # before anything is replayed: a port in use is one line
    port = listener.getsockname()[1]  # the one the system chose for --port 0
    clock = ManualClock() if mode == "manual" else RealtimeClock(speed)
    stories = Stories(scenarios if scenarios is not None else shipped_scenarios(), default_scenario)
    journal = Journal(state, damaged_wal=damaged_wal) if state is not None else None
    for note in journal.notes if journal is not None else ():
        click.echo(f"tjsim: warning: {note}", err=True)
    began = time.perf_counter()
    backend = Backend(clock=clock, stories=stories, journal=journal, origin=start, region=region, account=account,
                      roles=Roles(frozenset(missing), frozenset(denied)))
    replayed = time.perf_counter() - began
    backend.freeze_every = FREEZE_EVERY
    gc.collect()
    gc.freeze()  # what start-up and the replay made lives as long as the server
    if backend.written_by not in (None, _version()):
        click.echo(f"tjsim: warning: {state} was started by tjsim {backend.written_by}; this is tjsim {_version()}, "
                   "whose timings may differ: describes can differ from before the restart", err=True)
    if not _loopback(host):
        click.echo(f"tjsim: warning: serving on {host}, reachable from other machines; the endpoint accepts any "
                   "credentials", err=True)
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address, as a URL writes it
    click.echo(f"tjsim: SageMaker on http://{shown}:{port} · {clock.mode} clock"
               f"{f' at {speed:g}x' if mode == 'realtime' else ''} · {len(backend.sim.jobs)} jobs"
               f"{f' replayed from {state} in {replayed:.1f} s' if state is not None and backend.sim.jobs else ''}",
               err=True)
    folder = Path(tempfile.gettempdir(), f"tjsim-{port}")
    folder.mkdir(exist_ok=True)
    variables = environment(f"http://{shown}:{port}", folder, backend.region, backend.account)
    click.echo("tjsim: to send unchanged AWS and SageMaker SDK code here:\n" + "".join(
        f"  export {key}={value}\n" for key, value in variables.items()), nl=False, err=True)
    click.echo(f"tjsim: the console: http://{shown}:{port}/", err=True)
    server = _server(uvicorn)(uvicorn.Config(create_app(backend), log_level="warning", access_log=False,
                                             http=AwsHttpProtocol))
    try:
        server.run(sockets=[listener])
    finally:
        backend.close()  # the journal checkpointed into the .db and closed, however the server stopped
        listener.close()
    if server.stopped_by is not None:
        name = signal.Signals(server.stopped_by).name
        kept = f"; {state} checkpointed and closed, {len(backend.sim.jobs)} jobs" if state is not None else ""
        click.echo(f"tjsim: stopped by {name}{kept}", err=True)
        if server.stopped_by == signal.SIGINT:
            ctx.exit(130)  # the shell's way for an interrupt; a TERM is the way containers and CI stop: 0


def _server(uvicorn: Any) -> type:
    """uvicorn's server, except that the signal it stopped for is remembered (``stopped_by``), not
    raised again once it has shut down: uvicorn does, and the default SIGTERM handler would end the
    process before the journal is closed, its WAL never merged."""

    class Server(uvicorn.Server):
        stopped_by: int | None = None

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in original.items():
                    signal.signal(sig, handler)
            if self._captured_signals:
                self.stopped_by = self._captured_signals[0]

    return Server


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port``, or one line saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as err:
        fail([f"--host {host}: not an address to listen on ({err.strerror or err})"])
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)  # connections queue from now, while the journal replays
    except OSError as err:
        listener.close()
        fail([f"--host {host} --port {port}: cannot listen there ({err.strerror or err})"])
    return listener


def _version() -> str:
    from importlib import metadata

    return metadata.version("tjsim")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
