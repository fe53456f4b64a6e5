"""``tjsim serve`` from the command line (simulator/cli/serve.py): where it listens, what it refuses."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .cli_helpers import run
from .conftest import ROOT, SCENARIOS


def test_port_0_announces_the_port_the_system_chose_and_serves_there():
    process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port", "0"],
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = process.stderr.readline()
        assert line.startswith("tjsim: SageMaker on http://127.0.0.1:") and ":0 " not in line
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_tjsim/clock", timeout=10) as answer:
            assert json.load(answer)["mode"] == "manual"
        announced = [process.stderr.readline() for _ in range(5)]
        assert f"tjsim: the console: http://127.0.0.1:{port}/\n" in announced
        browser = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Accept": "text/html"})
        with urllib.request.urlopen(browser, timeout=10) as page:
            assert b"<title>tjsim" in page.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert (result.returncode, result.stderr) == (
        2, f"tjsim: --host 127.0.0.1 --port {port}: cannot listen there (Address already in use)\n")


def test_speed_is_for_the_realtime_clock_only():
    result = run("serve", "--clock", "manual", "--speed", "5")
    assert result.returncode == 2 and "--speed: applies to the realtime clock" in result.stderr


def test_stories_are_the_scenarios_tjsim_scenarios_lists(tmp_path):
    from simulator.cli.scenarios import shipped_scenarios
    from simulator.server.stories import Stories

    (tmp_path / "short.yml").write_text((ROOT / "scenarios" / "spot-interrupted.yaml").read_text())
    assert Stories(tmp_path, "short").resolve([])[0] == "short"
    assert sorted(Stories(shipped_scenarios()).scenarios) == [p.stem for p in SCENARIOS]


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_term_or_an_interrupt_closes_the_journal_and_the_db_alone_holds_every_answered_change(tmp_path, sig, code):
    import shutil

    from .server_helpers import post, request, start_server

    state = tmp_path / "jobs.db"
    server, url = start_server(state)
    try:
        for name in ("kept-1", "kept-2"):
            status, _ = post(url, "CreateTrainingJob", json.dumps(request(name)).encode())
            assert status == 200
    finally:
        server.send_signal(sig)
        assert server.wait(timeout=60) == code
    log = next(tmp_path.glob("jobs.*.log")).read_text()
    assert f"tjsim: stopped by {sig.name}; {state} checkpointed and closed, 2 jobs" in log
    assert "Traceback" not in log
    assert not Path(f"{state}-wal").exists() or Path(f"{state}-wal").stat().st_size == 0  # merged
    copy = tmp_path / "copy" / "jobs.db"
    copy.parent.mkdir()
    shutil.copy(state, copy)  # the .db alone, as a backup or a container's volume would keep it
    server, url = start_server(copy)
    try:
        status, page = post(url, "ListTrainingJobs", b"{}")
        assert sorted(s["TrainingJobName"] for s in page["TrainingJobSummaries"]) == ["kept-1", "kept-2"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


@pytest.mark.slow
def test_a_client_that_hangs_up_mid_body_changes_nothing_and_is_one_quiet_line_at_most(tmp_path):
    """The body it sent is whole JSON, but shorter than its Content-Length: it was cut, never served."""
    from .server_helpers import control, post, start_server

    state = tmp_path / "quiet.db"
    server, url = start_server(state)
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        _, before = control(url, "clock")
        for i in range(20):
            path, headers, body = (("/_tjsim/clock/advance", "Content-Type: application/json\r\n",
                                    '{"seconds": 600}') if i % 2 else
                                   ("/", "X-Amz-Target: SageMaker.CreateTrainingJob\r\n"
                                         "Content-Type: application/x-amz-json-1.1\r\n", "{}"))
            with socket.create_connection((host, int(port))) as connection:
                connection.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{headers}Content-Length: 1000\r\n\r\n"
                                   f"{body}".encode())  # and hang up, short of the 1,000 bytes announced
        assert post(url, "ListTrainingJobs", b"{}")[0] == 200  # the server serves on
        assert control(url, "clock")[1] == before  # and the cut requests changed nothing
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    log = next(tmp_path.glob("quiet.*.log")).read_text()
    assert "Traceback" not in log and "internal error" not in log
    assert len(log.splitlines()) <= 12 + 20  # the start-up lines, then one at most per hang-up
