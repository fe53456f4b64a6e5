"""Reading a history: every form a response comes in (the CLI's, boto3's, the wire's, EventBridge's
milliseconds), files, lines and directories; what cannot serve named by file and line."""

from __future__ import annotations

import codecs
import json
from datetime import datetime

import pytest

from simulator import service, shapes
from simulator.fleet.records import Reader, epoch
from simulator.loading import load
from simulator.timeline import replay

from .conftest import ROOT


@pytest.fixture(scope="module")
def wire():
    return replay(load(ROOT / "scenarios" / "spot-interrupted.yaml")).describe()


def cli_form(wire, write=lambda v: v.isoformat()):
    """As ``aws sagemaker describe-training-job`` prints it: times in ISO 8601 (or as ``write`` writes
    a datetime)."""
    parsed = shapes.parse_wire(wire, service.output_shape("DescribeTrainingJob"))
    return json.loads(json.dumps(parsed, default=write))


def renamed(response, name):
    """``response`` as another job's: its name and ARN."""
    arn = response["TrainingJobArn"].rsplit("/", 1)[0]
    return {**response, "TrainingJobName": name, "TrainingJobArn": f"{arn}/{name}"}


def test_every_form_reads_as_the_wire_form(wire, tmp_path):
    boto3_dumped = cli_form(wire, str)  # json.dumps(response, default=str), as many scripts save them
    assert " " in boto3_dumped["CreationTime"]
    millis = {**wire, "CreationTime": wire["CreationTime"] * 1000}
    for i, form in enumerate((wire, cli_form(wire), boto3_dumped, millis)):
        (tmp_path / f"{i}.json").write_text(json.dumps(renamed(form, f"job-{i}")))
    records = list(Reader().read([tmp_path]))
    assert [r.where for r in records] == [f"{tmp_path}/{i}.json:1" for i in range(4)]
    for record in records:
        assert record.response == renamed(wire, record.name)


def test_a_str_datetime_and_a_newer_member_are_read(wire, tmp_path):
    form = cli_form(wire)
    form["CreationTime"] = str(datetime.fromtimestamp(wire["CreationTime"]).astimezone())  # boto3's, dumped with str
    form["SomeMemberAfterThisBotocore"] = {"x": 1}
    (tmp_path / "one.json").write_text(json.dumps(form))
    [record] = Reader().read([tmp_path / "one.json"])
    assert record.response["CreationTime"] == wire["CreationTime"] and "SomeMemberAfterThisBotocore" not in \
        record.response


def test_what_cannot_serve_is_named_by_file_and_line(wire, tmp_path):
    good = cli_form(wire)
    partial = {k: v for k, v in good.items() if k != "SecondaryStatusTransitions"}
    lines = [json.dumps(good), "{not json", json.dumps([1, 2]), json.dumps({**good, "TrainingJobName": "b",
             "TrainingTimeInSeconds": "long"}), json.dumps({**partial, "TrainingJobName": "c"}), json.dumps(good),
             json.dumps({**good, "TrainingJobName": "d", "CreationTime": "yesterday"}), ""]
    history = tmp_path / "h.jsonl"
    history.write_text("\n".join(lines))
    reader = Reader()
    assert [r.name for r in reader.read([history])] == [good["TrainingJobName"]]
    assert [str(b) for b in reader.bad] == [
        f"{history}:2: damaged: not JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1))",
        f"{history}:3: damaged: not a DescribeTrainingJob response (no TrainingJobName)",
        f"{history}:4: damaged: TrainingTimeInSeconds: 'long' has the wrong type (expected int)",
        f"{history}:5: partial: SecondaryStatusTransitions missing",
        f"{history}:6: duplicate: {good['TrainingJobName']} was read already, at {history}:1",
        f"{history}:7: damaged: a time that cannot be read ('yesterday' is no ISO 8601 or RFC 1123 time)",
    ]
    assert reader.read_count == 7


def test_a_list_file_and_bytes_that_are_not_text(wire, tmp_path):
    (tmp_path / "list.json").write_text(json.dumps([cli_form(wire), renamed(cli_form(wire), "b")]))
    good = json.dumps(renamed(cli_form(wire), "c")).encode()
    (tmp_path / "binary.jsonl").write_bytes(b"\xff\xfe{}\n" + good + b"\n")  # a bad byte spoils its line alone
    reader = Reader()
    assert [r.where for r in reader.read([tmp_path])] == [f"{tmp_path}/binary.jsonl:2", f"{tmp_path}/list.json[0]",
                                                          f"{tmp_path}/list.json[1]"]
    assert [str(b) for b in reader.bad] == [f"{tmp_path}/binary.jsonl:1: damaged: not JSON (not UTF-8 text (invalid "
                                            "start byte at byte 0 of the line))"]


def test_what_windows_and_notebooks_leave_is_read_or_left(wire, tmp_path):
    """A byte-order mark (PowerShell's) is read past; a hidden folder's copies (.ipynb_checkpoints) are
    not records; a .JSON is one; the same name in another account is another job."""
    bom = codecs.BOM_UTF8 + json.dumps(cli_form(wire)).encode()
    (tmp_path / "a.JSON").write_bytes(bom)
    (tmp_path / "b.jsonl").write_bytes(bom + b"\n")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a.json").write_bytes(bom)
    other = {**cli_form(wire), "TrainingJobArn": cli_form(wire)["TrainingJobArn"].replace("123456789012",
                                                                                          "210987654321")}
    (tmp_path / "c.json").write_text(json.dumps(other))
    reader = Reader()
    assert [r.where for r in reader.read([tmp_path])] == [f"{tmp_path}/a.JSON:1", f"{tmp_path}/c.json:1"]
    assert [b.kind for b in reader.bad] == ["duplicate"]  # b.jsonl: a.JSON's job again


def test_times_that_are_no_time_are_one_line(wire, tmp_path):
    for i, bad in enumerate(("1700000000000", "Infinity", "-1e20", 1e30, -5, "12:00", "2026-11-01 09:00 PST")):
        (tmp_path / f"{i}.json").write_text(json.dumps({**renamed(cli_form(wire), f"j{i}"), "CreationTime": bad}))
    reader = Reader()
    records = list(reader.read([tmp_path]))
    assert [r.response["CreationTime"] for r in records] == [1700000000.0]  # epoch ms written as text
    assert [b.problem.split(" (")[0] for b in reader.bad] == ["a time that cannot be read"] * 6  # no guessing


def test_a_missing_source_is_said(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.json: no such file or directory"):
        list(Reader().read([tmp_path / "nope.json"]))


def test_epochs():
    assert epoch("2026-11-01T00:00:00Z") == epoch("2026-11-01 01:00:00+01:00") == 1793491200.0
    assert epoch("2026-11-01T00:00:00") == epoch("Sun, 01 Nov 2026 00:00:00 GMT") == 1793491200.0  # no zone: UTC
    assert epoch(1793491200000) == epoch(1793491200) == 1793491200.0
    with pytest.raises(ValueError):
        epoch(float("nan"))


def test_records_are_read_one_at_a_time(wire, tmp_path):
    """A history of any length is read in memory that holds one record (and the names seen)."""
    import tracemalloc

    history = tmp_path / "long.jsonl"
    with history.open("w") as out:
        for i in range(300):
            out.write(json.dumps(renamed(cli_form(wire), f"job-{i:05d}")) + "\n")
    tracemalloc.start()
    count = sum(1 for _ in Reader().read([history]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 300 and peak < 1_000_000  # a record held is about 20 kB: 300 would be 6 MB


def test_a_response_without_resource_config_is_partial(wire):
    """A serverless or newer job may have none; the analysis needs its instances."""
    response = {k: v for k, v in cli_form(wire).items() if k != "ResourceConfig"}
    reader = Reader()
    assert list(reader.check([("x.json:1", response)])) == []
    assert [str(b) for b in reader.bad] == ["x.json:1: partial: ResourceConfig missing"]
