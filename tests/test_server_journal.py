"""The journal's SQLite file: held by one server at a time, and never another program's."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import pytest

from simulator.errors import StateError
from simulator.server.journal import Journal


def test_one_server_holds_a_state_file_at_a_time(tmp_path):
    first = Journal(tmp_path / "s.db")
    with pytest.raises(StateError, match="another tjsim serve is using it"):
        Journal(tmp_path / "s.db")
    first.close()
    Journal(tmp_path / "s.db").close()


def test_files_that_are_not_tjsim_state_are_refused_untouched(tmp_path):
    foreign = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(foreign)) as db, db:
        db.execute("CREATE TABLE entries (x)")
    before = foreign.read_bytes()
    with pytest.raises(StateError, match="another program's database"):
        Journal(foreign)
    assert foreign.read_bytes() == before
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 1000)
    with pytest.raises(StateError, match="not a readable tjsim state file"):
        Journal(text)
    with pytest.raises(StateError, match="cannot open it"):
        Journal(tmp_path / "missing" / "s.db")


@pytest.mark.slow
def test_a_write_the_disk_refuses_changes_nothing_and_answers_503_with_a_real_full_disk(tmp_path):
    """The state file may grow to 160 kB (RLIMIT_FSIZE): creates succeed until the WAL would pass it.
    The refused change is nowhere — not in memory, not on the clock, not in the file — and every change
    answered before it survives a restart."""
    import signal

    from .server_helpers import control, post, request, start_server

    state = tmp_path / "full.db"
    server, url = start_server(state, file_size=160_000)
    answered, refused = [], None
    try:
        for i in range(400):
            status, body = post(url, "CreateTrainingJob", json.dumps(request(f"job-{i:03d}")).encode())
            if status != 200:
                refused = (f"job-{i:03d}", status, body)
                break
            answered.append(f"job-{i:03d}")
        assert refused is not None, "the file never filled"
        name, status, body = refused
        assert status == 503 and body["__type"] == "ServiceUnavailable" and "cannot be written" in body["message"]
        assert post(url, "DescribeTrainingJob", json.dumps({"TrainingJobName": name}).encode())[0] == 400
        again = post(url, "CreateTrainingJob", json.dumps(request(name)).encode())
        assert again[0] == 503  # not ResourceInUse: it was never created
        _, before = control(url, "clock")
        status, _ = control(url, "clock/advance", {"seconds": 600})
        assert status == 503 and control(url, "clock")[1] == before  # the clock did not move
        described = post(url, "DescribeTrainingJob", json.dumps({"TrainingJobName": answered[0]}).encode())
        status, _ = post(url, "StopTrainingJob", json.dumps({"TrainingJobName": answered[0]}).encode())
        assert status == 503
        assert post(url, "DescribeTrainingJob", json.dumps({"TrainingJobName": answered[0]}).encode()) == described
        status, _ = control(url, f"jobs/{answered[0]}/inject", {"type": "fail", "error": "AlgorithmError"})
        assert status == 503
        assert post(url, "DescribeTrainingJob", json.dumps({"TrainingJobName": answered[0]}).encode()) == described
        arn = described[1]["TrainingJobArn"]
        _, tags = post(url, "ListTags", json.dumps({"ResourceArn": arn}).encode())
        tagged = {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": "v"}]}
        status, _ = post(url, "AddTags", json.dumps(tagged).encode())
        assert status == 503 and post(url, "ListTags", json.dumps({"ResourceArn": arn}).encode())[1] == tags
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    server, url = start_server(state)  # no limit now
    try:
        _, page = post(url, "ListTrainingJobs", json.dumps({"MaxResults": 100}).encode())
        listed = {s["TrainingJobName"] for s in page["TrainingJobSummaries"]}
        token = page.get("NextToken")
        while token:
            _, page = post(url, "ListTrainingJobs", json.dumps({"MaxResults": 100, "NextToken": token}).encode())
            listed |= {s["TrainingJobName"] for s in page["TrainingJobSummaries"]}
            token = page.get("NextToken")
        assert listed == set(answered)
        assert post(url, "DescribeTrainingJob", json.dumps({"TrainingJobName": answered[0]}).encode()) == described
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
