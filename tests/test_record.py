"""A job's history log (simulator.engine.record): folding entries into the view at an instant, the instants
that change it and the checkpoints, on small hand-made logs and on the logs of real runs."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import replay
from simulator.engine import record
from simulator.engine.record import (
    ARTIFACTS,
    BILLING,
    CHECKPOINT,
    CLOSE,
    END,
    FAILURE,
    MESSAGE,
    METRICS,
    PRIMARY,
    RULE,
    RULE_ARN,
    START,
    STATUS,
    UPDATE,
    WARM_POOL,
    RuleView,
    Transition,
    View,
    apply,
    change_times,
    checkpoints,
    fold,
)

from .factories import scenario

# An on-demand job that checkpoints once and completes; its final status is written 0.25 s after the instances
# stop, and stamped with their stop.
LOG = [
    (0.0, STATUS, "Starting", "Starting the training job"),
    (35.0, MESSAGE, None, "Preparing the instances for training"),
    (100.0, START, None, None),
    (100.0, STATUS, "Downloading", "Downloading input data"),
    (130.0, STATUS, "Training", "Training in progress."),
    (430.0, CHECKPOINT, 300.0, None),
    (1130.0, STATUS, "Uploading", "Uploading generated training model"),
    (1130.0, ARTIFACTS, None, None),
    (1140.25, CLOSE, "Completed", ("Training job completed", 1140.0)),
    (1140.25, END, 1140.0, None),
    (1140.25, BILLING, 1040, 1040),
]
KIND_NAMES = ("STATUS", "MESSAGE", "START", "END", "FAILURE", "BILLING", "METRICS", "RULE", "RULE_ARN", "UPDATE",
              "CLOSE", "PRIMARY", "ARTIFACTS", "WARM_POOL", "CHECKPOINT")
RULE_KEY = ("Debug", "LossNotDecreasing")


def started(message: str = "m") -> View:
    """A view holding one open Starting status, entered at t=0."""
    view = View()
    apply(view, (0.0, STATUS, "Starting", message))
    return view


# --- the entry kinds --------------------------------------------------------------------------------------------


def test_the_kinds_are_fifteen_distinct_integers():
    kinds = [getattr(record, name) for name in KIND_NAMES]
    assert all(type(kind) is int for kind in kinds) and len(set(kinds)) == 15


def test_a_blank_view_has_no_history():
    view = View()
    assert (view.transitions, view.primary, view.last_modified, view.training_start, view.training_end,
            view.failure_reason, view.billing, view.metrics_at, view.artifacts, view.warm_pool, view.rules,
            view.updates) == ([], None, 0.0, None, None, None, None, None, False, None, {}, [])
    assert RuleView() == RuleView(status="InProgress", details=None, arn=None, modified=0.0)
    assert View().transitions is not View().transitions  # no shared mutable default


@pytest.mark.parametrize("entry, member, value", [
    ((5.0, START, None, None), "training_start", 5.0),
    ((5.0, END, 4.5, None), "training_end", 4.5),
    ((5.0, FAILURE, None, "AlgorithmError: boom"), "failure_reason", "AlgorithmError: boom"),
    ((5.0, BILLING, 7, 3), "billing", (7, 3)),
    ((5.0, METRICS, 2.5, None), "metrics_at", 2.5),
    ((5.0, ARTIFACTS, None, None), "artifacts", True),
    ((5.0, WARM_POOL, "Available", (None, None)), "warm_pool", ("Available", None, None)),
    ((5.0, WARM_POOL, "Reused", (30, "next-job")), "warm_pool", ("Reused", 30, "next-job")),
    ((5.0, PRIMARY, "Stopping", None), "primary", "Stopping"),
    ((5.0, UPDATE, None, {"ResourceConfig": {"KeepAlivePeriodInSeconds": 120}}), "updates",
     [{"ResourceConfig": {"KeepAlivePeriodInSeconds": 120}}]),
    ((5.0, MESSAGE, None, "new"), "transitions", [Transition("Starting", 0.0, None, "new")]),
    ((5.0, STATUS, "Downloading", "d"), "transitions",
     [Transition("Starting", 0.0, 5.0, "m"), Transition("Downloading", 5.0, None, "d")]),
    ((5.0, CLOSE, "Stopped", ("stopped", 4.0)), "transitions",
     [Transition("Starting", 0.0, 4.0, "m"), Transition("Stopped", 4.0, 4.0, "stopped")]),
    ((5.0, RULE, RULE_KEY, ("IssuesFound", "why")), "rules", {RULE_KEY: RuleView("IssuesFound", "why", None, 5.0)}),
    ((5.0, RULE_ARN, RULE_KEY, "arn:rule"), "rules", {RULE_KEY: RuleView("InProgress", None, "arn:rule", 5.0)}),
])
def test_each_kind_sets_its_own_member_and_the_last_modified_time_only(entry, member, value):
    view = started()
    apply(view, entry)
    expected = started()
    expected.last_modified = 5.0
    setattr(expected, member, value)
    assert view == expected


@pytest.mark.parametrize("at, status, statuses, last_modified", [
    (0, "Starting", 1, 0.0),
    (34.999, "Starting", 1, 0.0),
    (35, "Starting", 1, 35.0),
    (100, "Downloading", 2, 100.0),
    (429.999, "Training", 3, 130.0),
    (430, "Training", 3, 130.0),  # the checkpoint changes nothing a client sees
    (1130, "Uploading", 4, 1130.0),
    (1140.2, "Uploading", 4, 1130.0),  # the stamp (1140.0) is not when the final status can be seen
    (1140.25, "Completed", 5, 1140.25),
    (math.inf, "Completed", 5, 1140.25),
])
def test_fold_includes_the_entries_at_the_instant_and_none_after(at, status, statuses, last_modified):
    view = fold(LOG, at)
    assert (view.status, len(view.transitions), view.last_modified) == (status, statuses, last_modified)


def test_before_the_first_entry_the_view_is_blank():
    assert fold(LOG, -0.001) == View()
    assert fold([], 1e9) == View()


def test_a_status_ends_the_previous_one_and_a_message_rewrites_the_current_one():
    view = fold(LOG, 120)
    assert view.transitions == [Transition("Starting", 0.0, 100.0, "Preparing the instances for training"),
                                Transition("Downloading", 100.0, None, "Downloading input data")]
    assert view.training_start == 100.0 and view.training_end is None and not view.artifacts


def test_the_final_status_is_stamped_with_the_instances_stop_not_its_write():
    view = fold(LOG, 1140.25)
    assert view.transitions[-2:] == [Transition("Uploading", 1130.0, 1140.0, "Uploading generated training model"),
                                     Transition("Completed", 1140.0, 1140.0, "Training job completed")]
    assert (view.last_modified, view.training_end, view.billing, view.artifacts) == (
        1140.25, 1140.0, (1040, 1040), True)


@pytest.mark.parametrize("ending", [(9.0, STATUS, "Uploading", "u"), (9.0, CLOSE, "Stopped", ("stopped", 8.5))])
def test_the_primary_status_lasts_until_the_next_status(ending):
    log = [(0.0, STATUS, "Stopping", "s"), (3.0, PRIMARY, "Stopping", None), (4.0, MESSAGE, None, "still"),
           (5.0, ARTIFACTS, None, None), ending]
    assert [fold(log, t).primary for t in (0.0, 3.0, 5.0, 9.0)] == [None, "Stopping", "Stopping", None]


def test_a_rules_status_details_arn_and_time_build_up_per_rule():
    other = ("Profiler", "ProfilerReport")
    log = [(0.0, STATUS, "Starting", "s"), (0.0, RULE, RULE_KEY, ("InProgress", None)),
           (0.0, RULE, other, ("InProgress", None)), (50.0, RULE_ARN, RULE_KEY, "arn:loss"),
           (50.0, RULE_ARN, other, "arn:report"), (900.0, RULE, RULE_KEY, ("IssuesFound", "condition met")),
           (950.0, RULE, other, ("Stopping", None)), (990.0, RULE, other, ("Stopped", None))]
    assert fold(log, 10).rules == {RULE_KEY: RuleView(), other: RuleView()}
    # the evaluation's ARN appears without moving the rule's LastModifiedTime
    assert fold(log, 50).rules == {RULE_KEY: RuleView(arn="arn:loss"), other: RuleView(arn="arn:report")}
    assert fold(log, 990).rules == {RULE_KEY: RuleView("IssuesFound", "condition met", "arn:loss", 900.0),
                                    other: RuleView("Stopped", None, "arn:report", 990.0)}
    assert list(fold(log, 990).rules) == [RULE_KEY, other]  # in the order they were first logged


def test_updates_accumulate_in_their_order():
    log = [(0.0, STATUS, "Training", "t"), (10.0, UPDATE, None, {"a": 1}), (20.0, UPDATE, None, {"b": 2})]
    assert [fold(log, t).updates for t in (9, 10, 20)] == [[], [{"a": 1}], [{"a": 1}, {"b": 2}]]


@pytest.mark.parametrize("log, times", [
    ([], []),
    (LOG, [0.0, 35.0, 100.0, 130.0, 1130.0, 1140.25]),
    ([(5.0, CHECKPOINT, 300.0, None), (9.0, CHECKPOINT, 600.0, None)], []),
    ([(5.0, STATUS, "Training", "t"), (5.0, CHECKPOINT, 300.0, None), (5.0, MESSAGE, None, "m")], [5.0]),
    ([(5.0, STATUS, "Training", "t"), (7.0, CHECKPOINT, 300.0, None), (9.0, MESSAGE, None, "m")], [5.0, 9.0]),
    ([(0, STATUS, "Pending", "p"), (0, WARM_POOL, "InUse", (None, None)), (3600.0, CLOSE, "Stopped", ("s", 3600.0))],
     [0, 3600.0]),
])
def test_change_times_are_the_distinct_instants_of_visible_entries(log, times):
    assert change_times(log) == times


@pytest.mark.parametrize("log, saved", [
    ([], []),
    (LOG, [(430.0, 300.0)]),
    ([entry for entry in LOG if entry[1] != CHECKPOINT], []),
    ([(5.0, STATUS, "Training", "t"), (5.0, CHECKPOINT, 300.0, None), (9.0, STATUS, "Interrupted", "i"),
      (20.0, CHECKPOINT, 600.0, None), (20.0, CHECKPOINT, 900.0, None)], [(5.0, 300.0), (20.0, 600.0), (20.0, 900.0)]),
])
def test_checkpoints_are_when_and_how_much_training_each_saved(log, saved):
    assert checkpoints(log) == saved


# --- properties of any time-ordered log ---------------------------------------------------------------------


def _entry(kind: int, t: float, i: int) -> record.Entry:
    """A well-formed entry of ``kind`` at ``t`` (``i`` tells entries apart)."""
    key = (("Debug", "A"), ("Profiler", "B"))[i % 2]
    a, b = {
        STATUS: (f"S{i}", f"status {i}"), MESSAGE: (None, f"message {i}"), START: (None, None), END: (t, None),
        FAILURE: (None, f"reason {i}"), BILLING: (i, i // 2), METRICS: (t, None), RULE: (key, ("IssuesFound", str(i))),
        RULE_ARN: (key, f"arn:{i}"), UPDATE: (None, {"n": i}), CLOSE: (f"C{i}", (f"closed {i}", t)),
        PRIMARY: ("Stopping", None), ARTIFACTS: (None, None), WARM_POOL: ("Terminated", (i, None)),
        CHECKPOINT: (float(i), None),
    }[kind]
    return (t, kind, a, b)


@st.composite
def logs(draw) -> list[record.Entry]:
    """A log in time order that opens with a status (as every job's does), several entries often sharing an instant."""
    steps = draw(st.lists(st.tuples(st.sampled_from([0.0, 0.0, 0.25, 1.0, 7.5]), st.integers(0, 14)), max_size=25))
    t, log = 0.0, [_entry(STATUS, 0.0, 0)]
    for i, (dt, kind) in enumerate(steps, 1):
        t += dt
        log.append(_entry(kind, t, i))
    return log


def _instants(log: list[record.Entry]) -> list[float]:
    times = sorted({entry[0] for entry in log})
    return [-1.0, *times, *((a + b) / 2 for a, b in itertools.pairwise(times)), times[-1] + 1]


@settings(max_examples=80, deadline=None)
@given(logs())
def test_applying_the_entries_one_by_one_meets_every_fold(log):
    view = View()
    for i, entry in enumerate(log):
        if entry[1] != CHECKPOINT:
            apply(view, entry)
        if i + 1 == len(log) or log[i + 1][0] > entry[0]:  # the last entry of its instant
            assert view == fold(log, entry[0])


@settings(max_examples=80, deadline=None)
@given(logs())
def test_the_view_changes_only_at_a_change_time(log):
    times = change_times(log)
    assert times == sorted({t for t, kind, *_ in log if kind != CHECKPOINT})
    for at in _instants(log):
        before = [t for t in times if t <= at]
        assert fold(log, at) == (fold(log, before[-1]) if before else View())
    assert all(fold(log, t).last_modified == t for t in times)


@settings(max_examples=80, deadline=None)
@given(logs())
def test_checkpoint_entries_are_invisible_to_views_and_change_times(log):
    visible = [entry for entry in log if entry[1] != CHECKPOINT]
    assert change_times(visible) == change_times(log)
    assert checkpoints(visible) == []
    assert len(checkpoints(log)) == len(log) - len(visible)
    for at in _instants(log):
        assert fold(log, at) == fold(visible, at)


# --- the logs of real runs --------------------------------------------------------------------------------------


def test_a_run_logs_in_time_order_from_a_status_at_its_creation(shipped):
    for job in shipped.jobs:
        log = job.history.entries
        assert log[0][:2] == (0, STATUS), job.plan.name
        assert all(a[0] <= b[0] for a, b in itertools.pairwise(log)), job.plan.name
        assert [t for t, _ in checkpoints(log)] == sorted(t for t, _ in checkpoints(log))


def test_a_runs_change_times_are_where_its_view_was_last_modified(shipped):
    for job in shipped.jobs:
        log, times = job.history.entries, change_times(job.history.entries)
        assert times[0] == 0 and times == sorted(set(times))
        assert times[-1] == max(t for t, kind, *_ in log if kind != CHECKPOINT)
        assert [fold(log, t).last_modified for t in times] == times
        for t, _ in checkpoints(log):  # a checkpoint alone is no change
            assert t in times or fold(log, t).last_modified < t


def test_a_runs_final_view_holds_the_last_entry_of_each_kind(shipped):
    for job in shipped.jobs:
        log = job.history.entries
        view = fold(log, math.inf)

        def last(kind, log=log):
            return next((entry for entry in reversed(log) if entry[1] == kind), None)

        statuses = [entry for entry in log if entry[1] in (STATUS, CLOSE)]
        assert [tr.status for tr in view.transitions] == [entry[2] for entry in statuses]
        assert [tr.start for tr in view.transitions] == [e[3][1] if e[1] == CLOSE else e[0] for e in statuses]
        assert [tr.end for tr in view.transitions[:-1]] == [tr.start for tr in view.transitions[1:]]
        close = last(CLOSE)
        assert close is not None and close == statuses[-1]  # every shipped job ends
        assert (view.transitions[-1].start, view.transitions[-1].end) == (close[3][1], close[3][1])
        assert view.transitions[-2].start <= close[3][1] <= close[0]
        end, metrics = last(END), last(METRICS)
        if end is None:
            assert view.training_end is None and metrics is None
        else:  # TrainingEndTime is the instances' stop, as the final status's stamp
            assert view.training_end == end[2] == close[3][1]
            assert view.metrics_at == (None if metrics is None else metrics[2])
            assert metrics is None or metrics[2] <= end[2] <= metrics[0]
        assert view.training_start == (None if last(START) is None else last(START)[0])
        assert view.failure_reason == (None if last(FAILURE) is None else last(FAILURE)[3])
        assert view.billing == (None if last(BILLING) is None else tuple(last(BILLING)[2:]))
        assert view.warm_pool == (None if last(WARM_POOL) is None else (last(WARM_POOL)[2], *last(WARM_POOL)[3]))
        assert view.artifacts == (last(ARTIFACTS) is not None)
        assert view.updates == [entry[3] for entry in log if entry[1] == UPDATE]
        assert view.primary is None  # the final status resets it
        for key, rule in view.rules.items():
            status = next(entry for entry in reversed(log) if entry[1] == RULE and entry[2] == key)
            arn = next((entry[3] for entry in reversed(log) if entry[1] == RULE_ARN and entry[2] == key), None)
            assert (rule.status, rule.details, rule.modified, rule.arn) == (*status[3], status[0], arn)


def test_a_completed_runs_view_at_each_instant():
    # the factories' constant timings: Starting 100 s, Downloading 30 s, training 1000 s
    log = replay(scenario()).job.history.entries
    assert fold(log, 120).transitions == [Transition("Starting", 0, 100.0, "Preparing the instances for training"),
                                          Transition("Downloading", 100.0, None, "Downloading the training image")]
    final = fold(log, math.inf)
    assert [(tr.status, tr.start, tr.end) for tr in final.transitions] == [
        ("Starting", 0, 100.0), ("Downloading", 100.0, 130.0), ("Training", 130.0, 1130.0),
        ("Uploading", 1130.0, 1140.0), ("Completed", 1140.0, 1140.0)]
    assert (final.last_modified, final.training_start, final.training_end, final.billing) == (
        1140.25, 100.0, 1140.0, (1040, 1040))
    assert change_times(log) == [0, 35.0, 100.0, 110.0, 130.0, 1130.0, 1140.25]
    assert checkpoints(log) == []


def test_a_stopped_runs_primary_status_is_stopping_while_it_uploads():
    log = replay(scenario(events=[{"type": "stop", "at": 500}])).job.history.entries
    seen = [(view.status, view.primary) for view in (fold(log, t) for t in (499, 500, 530, 540.25))]
    assert seen == [("Training", None), ("Stopping", None), ("Uploading", "Stopping"), ("Stopped", None)]
    assert fold(log, 540.25).transitions[-1] == Transition("Stopped", 540.0, 540.0, "Training job stopped")


def test_an_updated_runs_view_shows_the_update_and_its_warm_pool():
    changes = {"ResourceConfig": {"KeepAlivePeriodInSeconds": 120}}
    log = replay(scenario(events=[{"type": "update", "at": 200, "changes": changes}])).job.history.entries
    assert [fold(log, t).updates for t in (199, 200)] == [[], [changes]]
    assert [fold(log, t).status for t in (200, 225)] == ["Updating", "Training"]
    # kept for reuse at the end (1140 s), then gone once the 120 s keep-alive runs out
    assert [fold(log, t).warm_pool for t in (1140, 1140.25, 1259, 1260)] == [
        None, ("Available", None, None), ("Available", None, None), ("Terminated", 120, None)]
    assert change_times(log)[-2:] == [1140.25, 1260.0]


SPOT = {"spot": (86400, 172800)}
ON_DEMAND = {"job": {"CheckpointConfig": {"S3Uri": "s3://bucket/ckpt/"}}}


@pytest.mark.parametrize("settings_, saved", [
    # on demand, training 1000 s from t=130, a checkpoint every 300 s of it; none at the end of training
    ({**ON_DEMAND}, [(430.0, 300.0), (730.0, 600.0), (1030.0, 900.0)]),
    ({**ON_DEMAND, "timing": {"training": 900}}, [(430.0, 300.0), (730.0, 600.0)]),
    # each write takes 45 s, during which training pauses
    ({**ON_DEMAND, "write": 45}, [(475.0, 300.0), (820.0, 600.0), (1165.0, 900.0)]),
    # interrupted at 500: 60 s Interrupted, 200 s capacity wait, 130 s to Training again at 890, from 300
    ({**SPOT, "events": [{"type": "interrupt", "at": 500}]}, [(430.0, 300.0), (1190.0, 600.0), (1490.0, 900.0)]),
    ({**SPOT, "events": [{"type": "interrupt", "at": 500}], "write": 45},
     [(475.0, 300.0), (1235.0, 600.0), (1580.0, 900.0)]),
    # interrupted at 450, while the first checkpoint is written (430-475): it is lost, training restarts at 840 from 0
    ({**SPOT, "events": [{"type": "interrupt", "at": 450}], "write": 45},
     [(1185.0, 300.0), (1530.0, 600.0), (1875.0, 900.0)]),
    # interrupted at the very instant a checkpoint is taken: it is kept
    ({**SPOT, "events": [{"type": "interrupt", "at": 430}]}, [(430.0, 300.0), (1120.0, 600.0), (1420.0, 900.0)]),
    # without CheckpointConfig nothing is saved
    ({**SPOT, "checkpoint": False, "events": [{"type": "interrupt", "at": 500}]}, []),
])
def test_a_run_logs_each_checkpoint_it_completed(settings_, saved):
    settings_ = dict(settings_)
    write = settings_.pop("write", 0)
    job = replay(scenario(checkpoint_settings={"interval": 300, "write": write}, **settings_)).job
    assert checkpoints(job.history.entries) == saved
    times = change_times(job.history.entries)
    for t, _ in saved:
        assert fold(job.history.entries, t).status in ("Training", "Interrupted")
        assert t not in times or any(e[0] == t and e[1] == STATUS for e in job.history.entries)


def test_a_checkpoint_is_in_no_response():
    r = replay(scenario(checkpoint_settings={"interval": 300}, **ON_DEMAND))
    assert [t for t, _ in checkpoints(r.job.history.entries)] == [430.0, 730.0, 1030.0]
    assert r.describe(430.0) == r.describe(730.0) == r.describe(1030.0) == r.describe(1129.999)
    assert 430.0 not in r.times()
