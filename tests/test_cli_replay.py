"""``tjsim replay`` as a user drives it: formats, flags, the terminal table, standard input, and what
a write error or a closed pipe does."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main

from .cli_helpers import GOOD, run, scenario_with
from .conftest import ROOT

SPOT = ROOT / "scenarios" / "spot-interrupted.yaml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a table row: t, the job (when there are several), then the time, with or without its date
ROW = re.compile(r"^\s*[\d,]+ +(?:[a-z][a-z0-9-]* +)?(?:(?:\d{4}-)?\d\d-\d\d )?\d\d:\d\d:\d\d ")


def table(*args: str, columns: int = 80, colour: bool = False) -> str:
    """The table as a terminal of ``columns`` columns shows it (with colour when asked for)."""
    env = {"COLUMNS": str(columns), "NO_COLOR": None, "FORCE_COLOR": "1" if colour else None,
           "TERM": "xterm-256color" if colour else "dumb"}
    result = CliRunner(env=env).invoke(main, ["replay", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("columns", [60, 80, 100, 160])
def test_the_table_fits_the_terminal(columns):
    out = table(str(SPOT), columns=columns)
    assert max(len(line) for line in out.splitlines()) <= columns
    rows = [line for line in out.splitlines() if ROW.match(line)]
    assert len(rows) == len(list(run("replay", str(SPOT), "--format", "compact").stdout.splitlines()))


@pytest.mark.parametrize("columns", [40, 60, 80, 100, 200])
def test_no_cell_but_a_message_is_ever_cut(columns):
    """Narrower terminals get a shorter time and lose the Status column; below that the table is
    wider than the terminal rather than cut."""
    warm = ROOT / "scenarios" / "warm-pool-reuse.yaml"
    out = table(str(warm), columns=columns)
    rows = [line.split() for line in out.splitlines() if ROW.match(line)]
    compact = [json.loads(line) for line in run("replay", str(warm), "--format", "compact").stdout.splitlines()]
    assert [int(row[0].replace(",", "")) for row in rows] == [math.floor(line["t"]) for line in compact]
    assert [row[1] for row in rows] == [line["TrainingJobName"] for line in compact]
    assert {"Available", "Reused", "InUse", "Terminated"} <= {word for row in rows for word in row}


def test_statuses_are_coloured_on_a_terminal_only():
    coloured, plain = table(str(SPOT), colour=True), table(str(SPOT))
    assert not ANSI.search(plain)
    assert "\x1b[32mCompleted" in coloured and "\x1b[35mInterrupted" in coloured  # green, magenta
    assert ANSI.sub("", coloured) == plain
    failed = table(str(ROOT / "scenarios" / "algorithm-error.yaml"), colour=True)
    stopped = table(str(ROOT / "scenarios" / "stopped-while-training.yaml"), colour=True)
    assert "\x1b[31mFailed" in failed and "\x1b[33mStopped" in stopped  # red, yellow


def test_t_and_the_time_agree_both_cut_down_to_the_second():
    out = table(str(SPOT), columns=160)
    epoch = yaml.safe_load(SPOT.read_text())["epoch"]
    created = datetime.fromisoformat(str(epoch).replace("Z", "+00:00")).timestamp()
    compact = [json.loads(line) for line in run("replay", str(SPOT), "--format", "compact").stdout.splitlines()]
    rows = [line.split() for line in out.splitlines() if ROW.match(line)]
    assert len(rows) == len(compact)
    for row, line in zip(rows, compact, strict=True):
        t, day, clock = int(row[0].replace(",", "")), row[1], row[2]
        shown = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        assert t == math.floor(line["t"]) == shown - created
        assert shown == math.floor(line["LastModifiedTime"])
    assert any(line["t"] % 1 > 0.5 for line in compact)  # where rounding and truncating would differ


def test_compact_is_one_line_per_change_with_what_changed():
    lines = [json.loads(line) for line in run("replay", str(SPOT), "--format", "compact").stdout.splitlines()]
    full = [json.loads(line) for line in run("replay", str(SPOT), "--format", "jsonl").stdout.splitlines()]
    assert len(lines) == len(full)
    assert [line["SecondaryStatus"] for line in lines] == [r["SecondaryStatus"] for r in full]
    assert "changed" in lines[0] and "TrainingJobArn" in lines[0]["changed"]
    assert all("TrainingJobArn" not in line.get("changed", {}) for line in lines[1:])
    assert all(len(json.dumps(line)) < 2_000 for line in lines[1:])


def test_compact_poll_lines_say_when_the_poll_happened():
    lines = [json.loads(line) for line in run("replay", str(SPOT), "--format", "compact", "--poll", "600")
             .stdout.splitlines()]
    assert [line["t"] for line in lines] == [600.0 * i for i in range(len(lines))]


@pytest.mark.parametrize("args, problem", [
    (["--poll", "30", "--at", "100", "--format", "jsonl"], "--poll and --at"),
    (["--poll", "30", "--at", "100", "--format", "json"], "--poll and --at"),
    (["--poll", "30", "--format", "json"], "--poll: json is one response"),
    (["--form", "boto3"], "--form: applies to json and jsonl, not to the table format"),
    (["--form", "wire", "--format", "compact"], "--form: applies to json and jsonl, not to the compact format"),
])
def test_flags_that_would_be_ignored_are_refused(args, problem):
    result = run("replay", str(SPOT), *args)
    assert result.returncode == 2 and problem in result.stderr and result.stdout == ""
    assert result.stderr.startswith("tjsim: replay: ") and result.stderr.count("\n") == 1  # one line, like a bad file


@pytest.mark.parametrize("args", [["--poll", "30", "--at", "3000"], ["--poll", "30", "--format", "compact"],
                                  ["--at", "3000", "--format", "jsonl"], ["--form", "boto3", "--format", "json"]])
def test_flags_that_work_together_are_honoured(args):
    assert run("replay", str(SPOT), *args).returncode == 0


def test_verbose_says_which_events_changed_nothing(tmp_path):
    data = yaml.safe_load(SPOT.read_text())
    data["events"] = [{"at": 5, "type": "interrupt"}, {"at": 1500, "type": "interrupt"}, {"at": 10**6, "type": "stop"},
                      {"at": 1500, "type": "interrupt"}, {"at": 10**6, "type": "interrupt"}]
    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(data))
    quiet = run("replay", str(path), "--format", "compact")
    assert quiet.returncode == 0 and quiet.stderr == ""
    notes = run("replay", str(path), "--format", "compact", "--verbose").stderr.splitlines()
    name = data["job"]["TrainingJobName"]
    assert notes == [  # in the order they were refused; the second of two equal events is the one named
        f"tjsim: note: {name}: events[0] (interrupt at 5 s after its creation) changed nothing: there are no spot "
        "instances to reclaim while the job is Starting",
        f"tjsim: note: {name}: events[3] (interrupt at 1500 s after its creation) changed nothing: there are no spot "
        "instances to reclaim while the job is Interrupted",
        f"tjsim: note: {name}: events[2] (stop at 1000000 s after its creation) changed nothing: the request was "
        "rejected because the training job is in status Completed.",
        f"tjsim: note: {name}: events[4] (interrupt at 1000000 s after its creation) changed nothing: the job has "
        "ended (Completed)"]


def test_verbose_names_a_later_jobs_events_by_their_place_in_the_file(tmp_path):
    data = yaml.safe_load((ROOT / "scenarios" / "warm-pool-reuse.yaml").read_text())
    data["later_jobs"][0]["events"] = [{"at": 10**6, "type": "stop"}]
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(data))
    assert run("replay", str(path), "--format", "compact", "--verbose").stderr == (
        "tjsim: note: llama-lora-exp-2: later_jobs[0].events[0] (stop at 1000000 s after its creation) changed "
        "nothing: the request was rejected because the training job is in status Completed.\n")


def test_a_scenario_from_standard_input():
    text = SPOT.read_text()
    from_stdin = run("replay", "-", "--format", "jsonl", input=text)
    assert from_stdin.returncode == 0 and from_stdin.stdout == run("replay", str(SPOT), "--format", "jsonl").stdout
    assert run("validate", "-", input=text).stdout == "<stdin>: ok\n"
    bad = run("validate", "-", input=text.replace("timing:", "timng:"))
    assert bad.returncode == 2 and bad.stderr.startswith("tjsim: <stdin>: timng: unknown key")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_1():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "simulator", "replay", str(SPOT), "--format", "jsonl"],
                                stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr == "tjsim: cannot write the output: No space left on device\n"


def test_a_closed_pipe_ends_quietly():
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE)
    result = subprocess.run([sys.executable, "-m", "simulator", "replay", str(SPOT), "--format", "jsonl", "--poll",
                             "1"], stdout=reader.stdin, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    reader.stdin.close()
    reader.wait()
    assert result.returncode == 1 and result.stderr == ""


@pytest.mark.parametrize("args, problem", [
    (["--poll", "nan"], "Invalid value for '--poll': nan is not a number of seconds above 0"),
    (["--poll", "inf"], "Invalid value for '--poll': inf is not a number of seconds above 0"),
    (["--poll", "0"], "Invalid value for '--poll': 0 is not a number of seconds above 0"),
    (["--at", "nan", "--format", "json"], "Invalid value for '--at': nan is not a number of seconds from 0"),
    (["--at", "-1"], "Invalid value for '--at': -1 is not a number of seconds from 0"),
    (["--poll", "1e-5"], "--poll 1e-05: more than 1,000,000 polls over the 6,691 s this scenario lasts"),
    (["--poll", "1e-320"], "more than 1,000,000 polls"),
])
def test_flag_values_that_make_no_sense_are_one_line_exit_2(args, problem):
    result = run("replay", str(SPOT), *args)
    assert result.returncode == 2 and problem in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["table", "compact", "jsonl", "json"])
def test_a_time_before_the_chosen_job_exists_is_refused_in_every_format(fmt):
    warm = ROOT / "scenarios" / "warm-pool-reuse.yaml"
    result = run("replay", str(warm), "--job", "llama-lora-exp-2", "--at", "100", "--format", fmt)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "tjsim: --at 100: job 'llama-lora-exp-2' was created at t=2100\n"


def test_a_closed_standard_output_is_one_line():
    result = subprocess.run([sys.executable, "-m", "simulator", "replay", str(SPOT)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, preexec_fn=lambda: os.close(1))
    assert (result.returncode, result.stderr) == (1, "tjsim: cannot write the output: standard output is closed\n")
    missing = subprocess.run([sys.executable, "-m", "simulator", "replay", "nope.yaml"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, preexec_fn=lambda: os.close(1))
    assert (missing.returncode, missing.stderr) == (2, "tjsim: nope.yaml: no such file\n")  # the real problem first


def test_a_closed_standard_input_is_one_line():
    result = subprocess.run([sys.executable, "-m", "simulator", "replay", "-"], capture_output=True, text=True,
                            cwd=ROOT, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert (result.returncode, result.stderr) == (2, "tjsim: <stdin>: standard input is closed: there is nothing to "
                                                     "read\n")


def test_a_wider_terminal_never_shows_less():
    from simulator.cli.replay import _layout

    headers = ["t (s)", "Job", "LastModifiedTime", "Status", "SecondaryStatus", "StatusMessage", "WarmPool"]
    rows = [["12,345", "a-job-with-a-long-name", "", "InProgress", "MaxRuntimeExceeded", "m", "Terminated"]]
    shown = [_layout(width, headers, rows, list(range(7)))[:2] for width in range(30, 220)]
    rank = [(len(columns), {"%Y-%m-%d %H:%M:%S": 2, "%m-%d %H:%M:%S": 1, "%H:%M:%S": 0}[clock])
            for columns, clock in shown]
    assert rank == sorted(rank) and rank[0] < rank[-1]


def test_verbose_says_which_sections_the_request_makes_no_use_of(tmp_path):
    path = tmp_path / "unused.yaml"
    path.write_text((ROOT / "scenarios" / "on-demand-completed.yaml").read_text()
                    + "checkpoint: {interval: 60}\nspot: {price_ratio: 0.1}\n")
    assert run("replay", str(path), "--format", "compact", "--verbose").stderr.splitlines() == [
        "tjsim: note: xgboost-churn-2024-05-02: checkpoint: unused: the request has no CheckpointConfig, so every "
        "restart begins from nothing",
        "tjsim: note: xgboost-churn-2024-05-02: spot: unused: the request does not set EnableManagedSpotTraining: "
        "true"]
    assert run("replay", str(ROOT / "scenarios" / "warm-pool-reuse.yaml"), "--format", "compact",
               "--verbose").stderr == ""


def test_replay_table():
    result = run("replay", str(GOOD))
    assert result.returncode == 0
    assert "Uploading generated training model" in result.stdout
    assert "Training seconds: 2492" in result.stdout and "Billable seconds: 2492" in result.stdout


def test_replay_at_json_is_one_response():
    result = CliRunner().invoke(main, ["replay", str(ROOT / "scenarios/spot-interrupted.yaml"), "--at", "5400",
                                       "--format", "json"])
    response = json.loads(result.output)
    assert response["SecondaryStatus"] == "Training"
    assert response["TrainingJobStatus"] == "InProgress"
    assert [e["Status"] for e in response["SecondaryStatusTransitions"]].count("Interrupted") == 2


def test_replay_boto3_form():
    result = CliRunner().invoke(main, ["replay", str(GOOD), "--format", "json", "--form", "boto3"])
    assert json.loads(result.output)["CreationTime"] == "2024-05-02T09:00:00+00:00"


def test_an_epoch_without_a_zone_is_utc_whatever_the_machine(tmp_path, monkeypatch):
    path = scenario_with(tmp_path, lambda d: d.update(epoch="2024-05-02T09:00:00"))
    outputs = set()
    for tz in ("UTC", "Asia/Tokyo", "America/New_York"):
        monkeypatch.setenv("TZ", tz)
        time.tzset()  # the process's local time zone is now tz
        outputs.add(run("replay", str(path), "--format", "jsonl").stdout)
    monkeypatch.undo()
    time.tzset()
    assert len(outputs) == 1
    assert json.loads(outputs.pop().splitlines()[0])["CreationTime"] == 1714640400.0


WARM = ROOT / "scenarios" / "warm-pool-reuse.yaml"


def test_a_scenario_with_later_jobs_replays_every_job():
    result = run("replay", str(WARM))
    assert result.returncode == 0, result.stderr
    assert "llama-lora-exp-2" in result.stdout and "WarmPool" in result.stdout
    assert "warm pool: Reused by llama-lora-exp-2" in result.stdout
    lines = [json.loads(line) for line in CliRunner().invoke(main, ["replay", str(WARM), "--format", "jsonl"]).output
             .splitlines()]
    assert {line["TrainingJobName"] for line in lines} == {"llama-lora-exp-1", "llama-lora-exp-2"}


def test_job_option_picks_one_job():
    result = CliRunner().invoke(main, ["replay", str(WARM), "--job", "llama-lora-exp-2", "--format", "json"])
    assert json.loads(result.output)["WarmPoolStatus"]["Status"] == "Terminated"
    lines = CliRunner().invoke(main, ["replay", str(WARM), "--job", "llama-lora-exp-2", "--format", "jsonl"]).output
    assert {json.loads(line)["TrainingJobName"] for line in lines.splitlines()} == {"llama-lora-exp-2"}


def test_job_option_names_a_job_of_the_scenario():
    result = run("replay", str(WARM), "--job", "nope")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--job: no job named 'nope' in this scenario (it has llama-lora-exp-1, llama-lora-exp-2)" in result.stderr
    result = run("replay", str(WARM), "--job", "llama-lora-exp-2", "--at", "100", "--format", "json")
    assert result.returncode == 2 and "was created at t=2100" in result.stderr and "Traceback" not in result.stderr
