"""simulator/engine/history.py: a job's log as the job keeps it — stamped on the clock, the present
view kept for polls, the response rendered again only when something changed; and the sweep's
history that keeps nothing."""

from __future__ import annotations

from simulator.engine import record
from simulator.engine.history import QUIET, History


class Clock:
    now = 0.0


def test_entries_are_stamped_after_the_jobs_creation():
    clock = Clock()
    clock.now = 10.0
    history = History(clock, created=10.0)
    history.log(record.STATUS, "Starting", "s")
    clock.now = 15.0
    history.log(record.START)
    history.log_at(12.0, record.CHECKPOINT, 60.0)
    assert history.entries == [(0.0, record.STATUS, "Starting", "s"), (5.0, record.START, None, None),
                               (2.0, record.CHECKPOINT, 60.0, None)]
    assert len(history) == 3 and history.end == 2.0


def test_the_present_view_moves_on_and_the_past_is_folded_afresh():
    clock = Clock()
    history = History(clock, created=0.0)
    history.log(record.STATUS, "Starting", "s")
    present = history.view(0.0)
    clock.now = 5.0
    history.log(record.STATUS, "Downloading", "d")
    assert history.view(5.0) is present and present.status == "Downloading"
    past = history.view(1.0)
    assert past is not present and past.status == "Starting"
    assert [(t, v.status) for t, v in history.views([0.0, 5.0])] == [(0.0, "Starting"), (5.0, "Downloading")]


def test_the_response_is_rendered_again_only_when_the_history_grew():
    clock, rendered = Clock(), []
    history = History(clock, created=0.0)
    history.log(record.STATUS, "Starting", "s")

    def render() -> bytes:
        rendered.append(len(history))
        return b"%d" % len(history)

    assert (history.wire(render), history.wire(render)) == (b"1", b"1")
    history.log(record.MESSAGE, None, "m")
    assert history.wire(render) == b"2" and rendered == [1, 2]


def test_a_sweeps_history_keeps_nothing():
    QUIET.log(record.STATUS, "Starting", "s")
    QUIET.log_at(3.0, record.CHECKPOINT, 1.0)
    assert (len(QUIET), QUIET.entries, QUIET.recording) == (0, (), False)
