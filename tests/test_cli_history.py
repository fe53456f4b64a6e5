"""``tjsim history``: the shipped history summed up, as a table and as JSON; what cannot serve named by
file and line, refused unless skipped; and a history pulled from a real ``tjsim serve`` through
ListTrainingJobs and DescribeTrainingJob."""

from __future__ import annotations

import json

import pytest

from .cli_helpers import run
from .conftest import ROOT
from .server_helpers import control, post, request, start_server

HISTORY = ROOT / "scenarios" / "history" / "example-fleet.jsonl"


def test_the_shipped_history_as_tables_and_json():
    shown = run("history", str(HISTORY))
    assert shown.returncode == 0, shown.stderr
    for text in ("300 jobs (0 records skipped)", "ml.p4d.24xlarge", "Completed", "Phases, minutes", "Training",
                 "spot interruptions"):
        assert text in shown.stdout
    report = json.loads(run("history", str(HISTORY), "--json").stdout)
    assert report["jobs"] == 300 and report["records"] == {"read": 300, "skipped": 0}
    g5 = report["instance_types"]["ml.g5.xlarge"]
    assert set(g5) >= {"jobs", "instance_hours", "spot_share", "outcomes", "phases",
                       "interruptions_per_spot_instance_hour", "failures_per_instance_hour"}


def test_bad_records_are_refused_by_file_and_line_unless_skipped(tmp_path):
    lines = HISTORY.read_text().splitlines()[:3]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], "{oops", lines[1], lines[0]]) + "\n")
    refused = run("history", str(bad))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"tjsim: history: {bad}:2: damaged: not JSON (Expecting property name enclosed in double quotes: line 1 "
        "column 2 (char 1))",
        f"tjsim: history: {bad}:4: duplicate: acme-g5-00000 was read already, at {bad}:1",
        "tjsim: history: 2 of 4 records cannot serve: mend them, or pass --skip-bad to go on without them"]
    skipped = run("history", str(bad), "--skip-bad", "--json")
    assert skipped.returncode == 0 and json.loads(skipped.stdout)["records"] == {"read": 4, "skipped": 2}
    assert skipped.stderr.startswith(f"tjsim: note: skipped {bad}:2: damaged")


def test_nothing_usable_and_nothing_there_are_one_line(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n")
    assert run("history", str(tmp_path)).stderr == "tjsim: history: no usable record among 0 read\n"
    missing = run("history", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "nope" in missing.stderr and len(missing.stderr.splitlines()) == 1
    assert run("history").returncode == 2


def test_a_history_pulled_from_tjsim_serve(tmp_path):
    process, url = start_server(tmp_path / "state.db")
    try:
        for name in ("a", "b", "c"):
            assert post(url, "CreateTrainingJob", json.dumps(request(name)).encode())[0] == 200
        assert control(url, "clock/advance", {"seconds": 86400})[0] == 200
        pulled = run("history", "--endpoint", url, "--json")
    finally:
        process.terminate()
        process.wait()
    assert pulled.returncode == 0, pulled.stderr
    report = json.loads(pulled.stdout)
    assert report["jobs"] == 3 and report["instance_types"]["ml.g5.xlarge"]["outcomes"] == {"Completed": 3}


def test_an_endpoint_that_does_not_answer_is_one_line():
    failed = run("history", "--endpoint", "http://127.0.0.1:9")
    assert failed.returncode == 2 and failed.stderr.startswith("tjsim: --endpoint http://127.0.0.1:9: ")
    assert len(failed.stderr.splitlines()) == 1


def test_real_responses_posted_publicly_are_read():
    """Five responses from public repositories (scenarios/history/public/SOURCES.md): the 2018 one has
    no SecondaryStatusTransitions, and is partial."""
    public = ROOT / "scenarios" / "history" / "public"
    refused = run("history", str(public))
    assert refused.returncode == 2
    assert f"{public}/real-4.json:1: partial: SecondaryStatusTransitions missing" in refused.stderr
    report = json.loads(run("history", str(public), "--skip-bad", "--json").stdout)
    assert report["jobs"] == 4 and report["records"] == {"read": 5, "skipped": 1}
    spot = report["instance_types"]["ml.m5.4xlarge"]
    assert spot["spot_share"]["jobs"] == 1.0 and spot["outcomes"] == {"Completed": 1}


def test_calibrate_writes_a_fragment_whatif_takes(tmp_path):
    fragment = tmp_path / "calibration.yaml"
    made = run("calibrate", str(HISTORY), "--out", str(fragment), "--plots", str(tmp_path / "plots"))
    assert made.returncode == 0, made.stderr
    text = fragment.read_text()
    assert text.startswith("# tjsim calibrate, from ") and "  ml.g5.xlarge:  # 107 jobs" in text
    assert "interruptions_per_instance_hour:" in text and "95 %" in text
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "calibration-ml.g5.12xlarge.png", "calibration-ml.g5.xlarge.png", "calibration-ml.m5.xlarge.png",
        "calibration-ml.p3.2xlarge.png", "calibration-ml.p4d.24xlarge.png"]
    evidence = json.loads(run("calibrate", str(HISTORY), "--json").stdout)
    assert evidence["ml.g5.xlarge"]["timing"]["training"]["family"] == "lognormal"
    scenario = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"
    plain = json.loads(run("whatif", str(scenario), "--runs", "50", "--json").stdout)
    calibrated = json.loads(run("whatif", str(scenario), "--runs", "50", "--json",
                                "--calibration", str(fragment)).stdout)
    assert calibrated["scenario_sha256"] != plain["scenario_sha256"]  # the calibration is part of what was run
    assert calibrated["variants"][0]["cost_usd"] != plain["variants"][0]["cost_usd"]


def test_a_calibration_without_the_jobs_type_is_one_line(tmp_path):
    fragment = tmp_path / "calibration.yaml"
    fragment.write_text("instance_types:\n  ml.m5.xlarge:\n    timing: {training: 60.0}\n")
    refused = run("whatif", str(ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"), "--calibration", str(fragment))
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert "no section for ml.g5.xlarge (the scenario job's InstanceType); it calibrates ml.m5.xlarge" in refused.stderr
    fragment.write_text("instance_types:\n  ml.g5.xlarge:\n    job: {RoleArn: x}\n")
    refused = run("whatif", str(ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"), "--calibration", str(fragment))
    assert "job: a calibration sets only timing, spot, failures" in refused.stderr


def test_a_job_updated_on_its_way_is_read(tmp_path):
    """Updating interrupts a phase, then gives it back: its time is the phase's (it crashed the summary)."""
    replayed = run("replay", str(ROOT / "scenarios" / "updated.yaml"), "--format", "json")
    (tmp_path / "updated.json").write_text(replayed.stdout)
    shown = run("history", str(tmp_path / "updated.json"), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["jobs"] == 1


def test_a_calibration_never_empties_a_scenarios_settings(tmp_path):
    """A type with nothing ended writes no section; a null in a fragment, merged, would remove the
    scenario's setting, and is refused; --json is strict JSON (no NaN)."""
    inprogress = tmp_path / "running.json"
    record = json.loads(HISTORY.read_text().splitlines()[0])
    record.update(TrainingJobStatus="InProgress", SecondaryStatus="Starting",
                  SecondaryStatusTransitions=[{"Status": "Starting", "StartTime": record["CreationTime"]}])
    for member in ("TrainingEndTime", "TrainingTimeInSeconds", "BillableTimeInSeconds", "TrainingStartTime"):
        record.pop(member, None)
    inprogress.write_text(json.dumps(record))
    fragment = run("calibrate", str(inprogress)).stdout
    assert "# ml.g5.xlarge: 1 jobs, nothing ended to fit" in fragment and "timing:" not in fragment
    empty = tmp_path / "empty.yaml"
    empty.write_text("instance_types:\n  ml.g5.xlarge:\n    timing:\n")
    refused = run("whatif", str(ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"), "--calibration", str(empty))
    assert refused.returncode == 2 and "instance_types.ml.g5.xlarge.timing: empty" in refused.stderr
    evidence = run("calibrate", str(HISTORY), "--json").stdout
    json.loads(evidence, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
