"""``tjsim validate``, and every kind of bad scenario file, which ``replay`` refuses the same way: one
line naming file, field and problem, exit 2, never a traceback."""

from __future__ import annotations

import re
import warnings

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import DeprecatedName

from .cli_helpers import GOOD, run, scenario_with
from .conftest import ROOT, SCENARIOS


def test_validate_all_shipped():
    result = CliRunner().invoke(main, ["validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))])
    assert result.exit_code == 0, result.output


def test_validate_names_every_file_it_checked():
    paths = [str(p) for p in SCENARIOS[:3]]
    result = run("validate", *paths)
    assert result.returncode == 0 and result.stdout.splitlines() == [f"{p}: ok" for p in paths]


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
