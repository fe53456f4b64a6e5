from simulator import service
from simulator.engine.statuses import GROUPS, PRIMARY_OF, RETIRED, TERMINAL, Primary, RuleStatus, Secondary


def test_enums_are_botocores():
    assert [s.value for s in Primary] == service.enum("TrainingJobStatus")
    assert [s.value for s in Secondary] == service.enum("SecondaryStatus")
    assert [s.value for s in RuleStatus] == service.enum("RuleEvaluationStatus")


def test_grouping_is_the_reference_pages():
    # DescribeTrainingJob reference, SecondaryStatus: the documented groups
    assert GROUPS["Completed"] == ("Completed",)
    assert GROUPS["Failed"] == ("Failed",)
    assert GROUPS["Stopping"] == ("Stopping",)
    assert set(GROUPS["Stopped"]) == {"MaxRuntimeExceeded", "MaxWaitTimeExceeded", "Stopped"}
    assert {"Starting", "Downloading", "Training", "Interrupted", "Uploading"} <= set(GROUPS["InProgress"])


def test_every_secondary_has_one_primary():
    assert set(PRIMARY_OF) == set(Secondary)
    members = [s for group in GROUPS.values() for s in group]
    assert len(members) == len(set(members))


def test_terminal_and_retired():
    assert {str(s) for s in TERMINAL} == {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded", "MaxWaitTimeExceeded"}
    assert {str(s) for s in RETIRED} == {"LaunchingMLInstances", "PreparingTrainingStack", "DownloadingTrainingImage"}
