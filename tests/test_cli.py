"""The command line, including every kind of bad input: one line naming file, field and problem,
exit 2, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import DeprecatedName

from .conftest import ROOT

GOOD = ROOT / "scenarios" / "on-demand-completed.yaml"


def run(*args: str, input: str | None = None) -> SimpleNamespace:
    """The command in this process, as a user's shell would see it: exit code, stdout, stderr. An
    exception that escapes the CLI's error edge fails the test (a user would see a traceback)."""
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, list(args), input=input, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def subprocess_run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The command as a real process: ``python -m simulator``."""
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=ROOT,
                          **kwargs)


def scenario_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(GOOD.read_text())
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


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


def test_python_dash_m_and_diagram_and_schema():
    diagram = subprocess_run("diagram")
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
                 "job.TrainingJobName: 'my_job' does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"),
    "max wait without spot": (lambda d: d["job"]["StoppingCondition"].update(MaxWaitTimeInSeconds=9000),
                              "job.StoppingCondition.MaxWaitTimeInSeconds: Invalid MaxWaitTimeInSeconds. It is only "
                              "supported when EnableManagedSpotTraining is set to true"),
    "max wait below max runtime": (lambda d: (d["job"].update(EnableManagedSpotTraining=True),
                                              d["job"]["StoppingCondition"].update(MaxWaitTimeInSeconds=3600)),
                                   "job.StoppingCondition.MaxWaitTimeInSeconds: must be greater than or equal to "
                                   "MaxRuntimeInSeconds (7200)"),
    "bad enum": (lambda d: d["job"]["ResourceConfig"].update(InstanceType="ml.m5.xlarg"),
                 "job.ResourceConfig.InstanceType: 'ml.m5.xlarg' is not one of the"),
    "bad duration": (lambda d: d.update(timing={"starting": "slow"}), "timing.starting: expected seconds or one of"),
    "negative event time": (lambda d: d.update(events=[{"type": "stop", "at": -5}]),
                            "events[0].at: Input should be greater than or equal to 0"),
    "unknown event type": (lambda d: d.update(events=[{"type": "explode", "at": 5}]),
                           "events[0].type: 'explode' is not one of stop, interrupt, fail, update"),
    "event type typo": (lambda d: d.update(events=[{"type": "interupt", "at": 5}]),
                        "events[0].type: 'interupt' is not one of stop, interrupt, fail, update "
                        "(did you mean 'interrupt'?)"),
    "interruption on demand": (lambda d: d.update(events=[{"type": "interrupt", "at": 5}]),
                               "events[0]: a spot interruption needs job.EnableManagedSpotTraining: true"),
    "metric not defined": (lambda d: d.update(metrics={"validation:acu": 1.0}),
                           "metrics.validation:acu: not in job.AlgorithmSpecification.MetricDefinitions "
                           "(did you mean 'validation:auc'?)"),
    "missing required": (lambda d: d["job"].pop("RoleArn"), "job.RoleArn: required member is missing"),
    "impossible date": (lambda d: d.update(epoch="2024-13-45"), "epoch: Input should be a valid datetime"),
    "epoch out of range": (lambda d: d.update(epoch="9999-12-31T23:30:00Z"), "epoch: epoch must fall between"),
    "update changes of the wrong type": (
        lambda d: d.update(events=[{"type": "update", "at": 5, "changes": {"ProfilerRuleConfigurations": 5}}]),
        "events[0].changes.ProfilerRuleConfigurations: 5 has the wrong type"),
    "runtime over 28 days": (lambda d: d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds=10**400),
                             "job.StoppingCondition.MaxRuntimeInSeconds: value 1000000000"),
    "infinite mean": (lambda d: d.update(timing={"training": {"exponential": float("inf")}}),
                      "timing.training: exponential: Input should be a finite number"),
    "lognormal overflow": (lambda d: d.update(timing={"training": {"lognormal": [1000, 1]}}),
                           "timing.training: lognormal: write [mu, sigma] with -20 <= mu <= 20"),
    "nan metric": (lambda d: d.update(metrics={"validation:auc": float("nan")}),
                   "metrics.validation:auc: Input should be a finite number"),
    "nan duration": (lambda d: d.update(timing={"training": float("nan")}),
                     "timing.training: a duration is a finite number of seconds"),
    "infinite event time": (lambda d: d.update(events=[{"type": "stop", "at": float("inf")}]),
                            "events[0].at: Input should be a finite number"),
    "boolean as integer": (lambda d: d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds=True),
                           "job.StoppingCondition.MaxRuntimeInSeconds: True has the wrong type (expected int)"),
    "number written as text": (lambda d: d.update(events=[{"type": "stop", "at": "100"}]),
                               "events[0].at: Input should be a valid number"),
    "a number in quotes": (lambda d: d.update(timing={"training": "10000"}),
                           "timing.training: '10000' is text, not a number: write it without quotes"),
    "an integer written with an exponent": (lambda d: d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds=1e3),
                                            "job.StoppingCondition.MaxRuntimeInSeconds: 1000.0 has the wrong type "
                                            "(expected int: write 1000)"),
    "an integer seed with an exponent": (lambda d: d.update(seed=1e3),
                                         "seed: Input should be a valid integer (got 1000.0: write 1000)"),
    "a huge exponent": (lambda d: d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds=1e100),
                        "job.StoppingCondition.MaxRuntimeInSeconds: 1e+100 has the wrong type (expected int)"),
    "a number where text goes": (lambda d: d["job"]["HyperParameters"].update(lr=0.001),
                                 "job.HyperParameters.lr: 0.001 has the wrong type (expected str: write it in quotes)"),
    "a choice misspelt": (lambda d: d.update(spot={"capacity": "nevr"}),
                          "spot.capacity: Input should be 'available' or 'never' (got 'nevr': did you mean 'never'?)"),
    "a failure kind misspelt": (lambda d: d.update(failures={"AlgoError": 1}),
                                "(got 'AlgoError': did you mean 'AlgorithmError'?)"),
    "a distribution misspelt": (lambda d: d.update(timing={"training": {"unifrom": [1, 2]}}),
                                "(got {'unifrom': [1, 2]}: did you mean 'uniform'?)"),
    "no instances": (lambda d: d["job"]["ResourceConfig"].update(InstanceCount=0),
                     "job.ResourceConfig.InstanceCount: a training job needs at least one instance"),
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


def test_problems_in_our_sections_and_the_request_are_reported_together(tmp_path):
    path = scenario_with(tmp_path, lambda d: (d.update(timng={}),
                                              d["job"]["ResourceConfig"].update(InstanceType="ml.m5.xlarg")))
    lines = run("validate", str(path)).stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == ["timng", "job.ResourceConfig.InstanceType"]


def test_request_and_cross_field_problems_together(tmp_path):
    path = scenario_with(tmp_path, lambda d: (d["job"]["ResourceConfig"].update(InstanceType="ml.m5.xlarg"),
                                              d["job"]["StoppingCondition"].update(MaxWaitTimeInSeconds=9000)))
    assert len(run("validate", str(path)).stderr.splitlines()) == 2


def test_a_directory_or_a_deep_nest(tmp_path):
    result = run("replay", str(tmp_path))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert result.stderr.startswith(f"tjsim: {tmp_path}: cannot read the file")
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000)
    result = run("validate", str(deep))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1) and "Traceback" not in result.stderr


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


CHECKPOINTS = ROOT / "scenarios" / "whatif-checkpoint-interval.yaml"
SPOT_STUDY = ROOT / "scenarios" / "whatif-spot-vs-on-demand.yaml"


def test_whatif_table_and_json():
    result = CliRunner().invoke(main, ["whatif", str(SPOT_STUDY), "--runs", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "on-demand" in result.output and "baseline" in result.output
    assert "cheapest per completed job" in result.output
    data = json.loads(CliRunner().invoke(main, ["whatif", str(SPOT_STUDY), "--runs", "30", "--seed", "7",
                                                "--json"]).output)
    assert (data["seed"], data["runs"], data["baseline"]) == (7, 30, "on-demand")
    assert len(data["variants"]) == 5 and data["transitions"] > 0


def test_whatif_plots_are_written_and_not_empty(tmp_path):
    result = CliRunner().invoke(main, ["whatif", str(CHECKPOINTS), "--runs", "20", "--plots", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.png"))
    assert written == ["cost_ecdf.png", "grid.png", "outcomes.png", "savings.png", "wall_time_ecdf.png"]
    assert all((tmp_path / name).stat().st_size > 20_000 for name in written)


def test_plot_writes_png_only(tmp_path):
    result = run("plot", str(ROOT / "scenarios" / "updated.yaml"), "--out", str(tmp_path / "t.jpg"))
    assert (result.returncode, result.stderr) == (
        2, f"tjsim: --out {tmp_path / 't.jpg'}: tjsim draws PNG images: give a name ending in .png\n")


def test_plot_draws_a_timeline(tmp_path):
    out = tmp_path / "timeline.png"
    result = CliRunner().invoke(main, ["plot", str(ROOT / "scenarios" / "spot-interrupted.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


@pytest.mark.parametrize("args, expected", [
    (["whatif", str(GOOD)], "whatif: required for a what-if run"),
    (["whatif", str(SPOT_STUDY), "--runs", "0"], "Invalid value for '--runs'"),
    (["whatif", str(SPOT_STUDY), "--runs", "2", "--dask", "udp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    (["whatif", "scenarios/nope.yaml"], "scenarios/nope.yaml: no such file"),
    (["whatif", str(SPOT_STUDY), "--workers", "2", "--dask", "tcp://127.0.0.1:9"], "--workers: processes on this "
                                                                                    "machine; with --dask"),
])
def test_bad_whatif_input_is_one_line_exit_2(args, expected):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 or "Usage" in result.stderr, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_the_readmes_error_example_every_problem_in_one_pass(tmp_path):
    readme = (ROOT / "README.md").read_text()
    example = yaml.safe_load(re.search(r"## A scenario.*?```yaml\n(.*?)```", readme, re.S).group(1))
    example["timng"] = example.pop("timing")
    example["job"]["StoppingCondition"]["MaxWaitTimeInSeconds"] = 3600
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(example, sort_keys=False))
    shown = re.search(r"```\n(tjsim: bad\.yaml: .*?)```", readme, re.S).group(1)
    result = run("validate", str(path))
    assert result.returncode == 2
    assert result.stderr == shown.replace("bad.yaml", str(path))


def test_a_wrong_type_adds_no_problem_from_a_default(tmp_path):
    path = scenario_with(tmp_path, lambda d: (d["job"].update(EnableManagedSpotTraining=True),
                                              d["job"]["StoppingCondition"].update(MaxRuntimeInSeconds="4h",
                                                                                   MaxWaitTimeInSeconds=7200)))
    assert run("validate", str(path)).stderr.splitlines() == [
        f"tjsim: {path}: job.StoppingCondition.MaxRuntimeInSeconds: '4h' has the wrong type (expected int)"]


def test_a_key_written_twice_is_refused_with_its_lines(tmp_path):
    text = GOOD.read_text()
    path = tmp_path / "twice.yaml"
    path.write_text(text + "later_jobs: []\nlater_jobs: []\n")
    first = len(text.splitlines()) + 1
    result = run("replay", str(path))
    assert result.returncode == 2
    assert result.stderr == (f"tjsim: {path}: line {first + 1}, column 1: the key 'later_jobs' appears twice in one "
                             f"mapping (first on line {first}): write it once\n")
    path.write_text(text + "later_jobs: []\nlater_jobs: []\nfailures: {a: 1, a: 2}\n")
    assert run("validate", str(path)).stderr.splitlines() == [  # every one at once
        f"tjsim: {path}: line {first + 1}, column 1: the key 'later_jobs' appears twice in one mapping (first on "
        f"line {first}): write it once",
        f"tjsim: {path}: line {first + 2}, column 18: the key 'a' appears twice in one mapping (first on line "
        f"{first + 2}): write it once"]
    nested = tmp_path / "nested.yaml"
    nested.write_text(text.replace("  TrainingJobName:", "  RoleArn: x\n  TrainingJobName:", 1))
    assert "the key 'RoleArn' appears twice" in run("validate", str(nested)).stderr


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text(GOOD.read_text().replace("\ntiming:\n", "\ntiming:\n  <<: {training: 100, uploading: 5}\n", 1))
    assert run("validate", str(path)).returncode == 0


def test_a_setting_under_its_old_name_works_with_a_note(tmp_path):
    data = yaml.safe_load((ROOT / "scenarios" / "spot-interrupted.yaml").read_text())
    data["spot"] = {"checkpoint_interval": data.pop("checkpoint")["interval"]}
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("default", DeprecatedName)
        old = run("replay", str(path), "--format", "jsonl")
    assert old.stdout == (ROOT / "tests" / "golden" / "spot-interrupted.jsonl").read_text()
    assert old.stderr == (f"tjsim: note: {path}: spot.checkpoint_interval is the old name of checkpoint.interval "
                          "(it governs every resume, after an interruption or a retried failure): write "
                          "checkpoint.interval\n")
    data["checkpoint"] = {"interval": 60}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecatedName)
        both = run("validate", str(path))
    assert both.returncode == 2 and "spot.checkpoint_interval: the old name of checkpoint.interval, which is also " \
                                   "set: write only checkpoint.interval" in both.stderr


def test_make_run_installs_what_running_needs_and_shows_progress(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip("needs make")

    def dry(target: str) -> str:
        return subprocess.run([make, "-n", "-B", target, f"VENV={tmp_path}/venv"], capture_output=True, text=True,
                              cwd=ROOT, check=True).stdout

    installs = [line for line in dry("run").splitlines() if " install " in line]
    assert installs and not any("[test]" in line or " -q" in line for line in installs), installs
    assert any('".[test]"' in line for line in dry("test").splitlines())
    assert "-n auto" in dry("test")


@pytest.mark.parametrize("args, line", [
    (["nosuch"], "tjsim: No such command 'nosuch'. (see tjsim --help)"),
    (["replay"], "tjsim: replay: Missing argument 'SCENARIO'. (see tjsim replay --help)"),
    (["replay", "x.yaml", "--polll", "2"], "tjsim: replay: No such option '--polll'. Did you mean '--poll'? (see tjsim "
                                           "replay --help)"),
])
def test_a_bad_flag_or_command_is_one_line_exit_2(args, line):
    result = CliRunner().invoke(main, args, prog_name="tjsim")
    assert (result.exit_code, result.stderr) == (2, line + "\n")


def test_help_and_version_exit_0():
    assert run("--help").returncode == run("replay", "--help").returncode == run("--version").returncode == 0
