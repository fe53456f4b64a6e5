"""The command line, including every kind of bad input: one line naming file, field and problem,
exit 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main

from .conftest import ROOT

GOOD = ROOT / "scenarios" / "on-demand-completed.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=ROOT)


def scenario_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(GOOD.read_text())
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_replay_table():
    result = CliRunner().invoke(main, ["replay", str(GOOD)])
    assert result.exit_code == 0
    assert "Uploading generated training model" in result.output
    assert "Training seconds: 2601" in result.output and "Billable seconds: 2601" in result.output


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


def test_python_dash_m_and_diagram_and_schema():
    diagram = run("diagram")
    assert diagram.returncode == 0 and "stateDiagram-v2" in diagram.stdout
    schema = json.loads(run("schema").stdout)
    assert schema["properties"]["job"]["$ref"] == "#/$defs/CreateTrainingJobRequest"
    assert "timing" in schema["properties"]


def test_validate_all_shipped():
    result = CliRunner().invoke(main, ["validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))])
    assert result.exit_code == 0, result.output


BAD = {
    "unknown section": (lambda d: d.update(timng={}), "timng: unknown key (did you mean 'timing'?)"),
    "unknown job member": (lambda d: d["job"]["ResourceConfig"].update(InstanceCnt=3),
                           "job.ResourceConfig.InstanceCnt: unknown member (did you mean 'InstanceCount'?)"),
    "wrong type": (lambda d: d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds="1h"),
                   "job.StoppingCondition.MaxRuntimeInSeconds: '1h' has the wrong type (expected int)"),
    "bad name": (lambda d: d["job"].update(TrainingJobName="my_job"),
                 "job.TrainingJobName: Value 'my_job' at 'trainingJobName' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*"),
    "max wait without spot": (lambda d: d["job"]["StoppingCondition"].update(MaxWaitTimeInSeconds=9000),
                              "job.StoppingCondition.MaxWaitTimeInSeconds: Invalid MaxWaitTimeInSeconds. It is only "
                              "supported when EnableManagedSpotTraining is set to true"),
    "max wait below max runtime": (lambda d: (d["job"].update(EnableManagedSpotTraining=True),
                                              d["job"]["StoppingCondition"].update(MaxWaitTimeInSeconds=3600)),
                                   "job.StoppingCondition.MaxWaitTimeInSeconds: must be greater than or equal to "
                                   "MaxRuntimeInSeconds (7200)"),
    "bad enum": (lambda d: d["job"]["ResourceConfig"].update(InstanceType="ml.banana.xlarge"),
                 "job.ResourceConfig.InstanceType: 'ml.banana.xlarge' is not one of"),
    "bad duration": (lambda d: d.update(timing={"starting": "slow"}), "timing.starting: expected seconds or one of"),
    "negative event time": (lambda d: d.update(events=[{"type": "stop", "at": -5}]),
                            "events[0].at: Input should be greater than or equal to 0"),
    "unknown event type": (lambda d: d.update(events=[{"type": "explode", "at": 5}]), "events[0]: "),
    "interruption on demand": (lambda d: d.update(events=[{"type": "interrupt", "at": 5}]),
                               "events[0]: a spot interruption needs job.EnableManagedSpotTraining: true"),
    "metric not defined": (lambda d: d.update(metrics={"validation:acu": 1.0}),
                           "metrics.validation:acu: not in job.AlgorithmSpecification.MetricDefinitions "
                           "(did you mean 'validation:auc'?)"),
    "missing required": (lambda d: d["job"].pop("RoleArn"), "job.RoleArn: required member is missing"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_scenario_is_one_line_exit_2(tmp_path, case):
    change, expected = BAD[case]
    path = scenario_with(tmp_path, change)
    for command in ("replay", "validate"):
        result = run(command, str(path))
        assert result.returncode == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"tjsim: {path}: ")
        assert expected in lines[0]
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content, expected", [
    ("", "the file is empty"),
    ("job: [unclosed\n", "line 2, column 1: malformed YAML"),
    ("- a\n- b\n", "expected a mapping of sections, got list"),
])
def test_unreadable_files(tmp_path, content, expected):
    path = tmp_path / "s.yaml"
    path.write_text(content)
    result = run("replay", str(path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"tjsim: {path}: ") and expected in result.stderr


def test_missing_file():
    result = run("replay", "scenarios/nope.yaml")
    assert (result.returncode, result.stderr) == (2, "tjsim: scenarios/nope.yaml: no such file\n")


def test_several_problems_one_line_each(tmp_path):
    path = scenario_with(tmp_path, lambda d: (d["job"].update(TrainingJobName="a_b"), d["job"].pop("RoleArn")))
    result = run("validate", str(path))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 2
