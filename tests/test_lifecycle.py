from pathlib import Path

import pytest

from simulator.engine import lifecycle
from simulator.engine.statuses import PRIMARY_OF, TERMINAL, Secondary


class Model:
    def __init__(self, state):
        self.state = state


def test_every_status_is_reachable_from_starting():
    reached, frontier = {"Starting"}, ["Starting"]
    while frontier:
        state = frontier.pop()
        for _, sources, dest in lifecycle.TRANSITIONS:
            if state in sources and dest not in reached:
                reached.add(str(dest))
                frontier.append(str(dest))
    assert reached | {"Pending"} == {str(s) for s in Secondary}


def test_terminal_statuses_have_no_way_out():
    for _, sources, _ in lifecycle.TRANSITIONS:
        assert not TERMINAL & set(sources)


def test_stop_and_fail_reach_every_in_progress_status():
    in_progress = {s for s, p in PRIMARY_OF.items() if p == "InProgress"}
    assert set(lifecycle.allowed_from("stop")) == in_progress
    assert set(lifecycle.allowed_from("fail")) == in_progress | {"Stopping"}


def test_fire_moves_the_model():
    job = Model("Starting")
    lifecycle.fire(job, "download")
    lifecycle.fire(job, "train")
    assert job.state == "Training"


def test_a_trigger_not_allowed_raises_naming_event_and_state():
    job = Model("Downloading")
    with pytest.raises(lifecycle.TransitionError, match=r"complete.*Downloading"):
        lifecycle.fire(job, "complete")
    assert job.state == "Downloading"


def test_one_machine_serves_many_models():
    jobs = [Model("Starting") for _ in range(3)]
    lifecycle.fire(jobs[1], "stop")
    assert [j.state for j in jobs] == ["Starting", "Stopping", "Starting"]
    assert lifecycle.MACHINE.models == []  # nothing was added to the machine


def test_mermaid_renders_the_same_table():
    text = lifecycle.mermaid()
    assert "stateDiagram-v2" in text
    drawn = set()
    for line in text.splitlines():
        if "-->" in line and ":" in line:
            edge, labels = line.split(":", 1)
            source, dest = (part.strip() for part in edge.split("-->"))
            drawn |= {(source, dest, label.strip()) for label in labels.split("|")}
    table = {(str(s), str(dest), trigger) for trigger, sources, dest in lifecycle.TRANSITIONS for s in sources}
    assert drawn == table


def test_only_the_lifecycle_module_imports_transitions():
    package = Path(lifecycle.__file__).parent
    importers = {p.name for p in package.glob("*.py") if "from transitions" in p.read_text()
                 or "import transitions" in p.read_text()}
    assert importers == {"lifecycle.py"}


def test_the_compiled_lookup_moves_jobs_exactly_as_the_machines_triggers():
    for state in Secondary:
        for trigger in lifecycle.MACHINE.events:
            by_machine, by_lookup = Model(str(state)), Model(str(state))
            try:
                lifecycle.MACHINE.events[trigger].trigger(by_machine)
            except lifecycle.TransitionError as err:
                with pytest.raises(lifecycle.TransitionError) as raised:
                    lifecycle.fire(by_lookup, trigger)
                assert str(raised.value) == str(err)
                assert by_lookup.state == str(state)
            else:
                lifecycle.fire(by_lookup, trigger)
                assert by_lookup.state == by_machine.state, (state, trigger)
    with pytest.raises(KeyError):
        lifecycle.fire(Model("Starting"), "explode")


def test_mermaid_begins_where_a_job_begins_and_ends_where_it_ends():
    lines = lifecycle.mermaid().splitlines()
    starts = {line.split("-->")[1].strip() for line in lines if line.strip().startswith("[*] -->")}
    ends = {line.split("-->")[0].strip() for line in lines if line.strip().endswith("--> [*]")}
    assert starts == {"Starting", "Pending"} == {str(s) for s in lifecycle.INITIAL}
    assert ends == {str(s) for s in TERMINAL} == {"Completed", "Failed", "Stopped", "MaxRuntimeExceeded",
                                                  "MaxWaitTimeExceeded"}
