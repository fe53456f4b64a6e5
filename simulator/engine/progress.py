"""Training progress with checkpoints: arithmetic on instance seconds, no clock of its own.

Training needs ``needed`` seconds of work. With checkpoints, each ``interval`` seconds of progress
is saved by a write that takes ``write`` seconds, during which progress pauses (``write`` 0: saved
at once). A restart — a spot interruption, a retried failure — resumes from the last saved
checkpoint, or from nothing without checkpoints.
"""

from __future__ import annotations

import math

from . import record
from .history import History, Quiet

_EPS = 1e-9  # training seconds: below this, floating-point noise, not progress


class Progress:
    """How far training has come.

    Args:
        needed: training seconds to finish.
        interval: training seconds per checkpoint (0: no checkpoints).
        write: seconds each checkpoint write takes.
        history: where each checkpoint completed is recorded (plots read them).
    """

    __slots__ = ("_history", "_saved", "_writing", "done", "interval", "last_at", "lost", "needed", "started_at",
                 "worked", "write")

    def __init__(self, needed: float, interval: float, write: float, history: History | Quiet):
        self.needed = needed
        self.done = 0.0  #: training seconds done (what a restart resumes from: the last checkpoint)
        self.worked = 0.0  #: instance seconds spent training, checkpoint writes included, all attempts
        self.lost = 0.0  #: training seconds done and then lost to restarts
        self.interval = interval
        self.write = write
        self._writing = 0.0  # what is left of the checkpoint being written
        self._saved = 0.0  # the progress the last completed checkpoint holds
        self._history = history
        #: the last stretch of training: when the algorithm started it, and when it last made progress
        self.started_at: float | None = None
        self.last_at: float | None = None

    def __repr__(self) -> str:
        return f"<Progress {self.done:g}/{self.needed:g} s>"

    def start(self, now: float) -> None:
        """The algorithm starts (again) at ``now``."""
        self.started_at = self.last_at = now

    def time_left(self) -> float:
        """Instance seconds until training is done, the checkpoint writes on the way included."""
        left = self.needed - self.done
        if self.write:
            interval = self.interval
            first = math.floor(self.done / interval + _EPS) + 1
            last = math.ceil(self.needed / interval - _EPS) - 1
            left += self._writing + max(0, last - first + 1) * self.write
        return left

    @property
    def writing(self) -> float:
        """Instance seconds spent writing checkpoints (training paused), all attempts."""
        return max(0.0, self.worked - self.done - self.lost)

    def lose(self) -> None:
        """The instances are gone: resume from the last checkpoint, or from scratch."""
        before = self.done
        if not self.interval:
            self.done = 0.0
        elif self.write:
            self.done, self._writing = self._saved, 0.0
        else:
            self.done = math.floor(self.done / self.interval + _EPS) * self.interval
        self.lost += before - self.done

    def advance(self, elapsed: float, now: float) -> None:
        """Training went on for ``elapsed`` instance seconds, ending ``now``, pausing for each
        checkpoint write.

        In closed form (a long stretch crosses many checkpoints, and a sweep runs millions): finish
        the write under way, work to the next checkpoint, then as many whole cycles of write and work
        as fit, then the write due and what is left of the work.
        """
        self.last_at = now
        self.worked += elapsed
        if not self.write:
            if self._history.recording and self.interval:
                self._record_passed(self.done, self.done + elapsed, now)
            self.done += elapsed
            return
        interval, cost, needed = self.interval, self.write, self.needed
        started = now - elapsed
        left = elapsed
        if self._writing:
            step = min(left, self._writing)
            left -= step
            self._writing -= step
            if self._writing > _EPS:
                return
            self._written(started + elapsed - left)
        boundary = (math.floor(self.done / interval + _EPS) + 1) * interval
        if boundary >= needed - _EPS or left < boundary - self.done - _EPS:
            self.done += left  # no checkpoint on the way
            return
        left -= boundary - self.done
        self.done = boundary  # a checkpoint is due here; the checkpoints further on, below the end:
        further = math.ceil(needed / interval - _EPS) - 1 - round(boundary / interval)
        cycles = max(0, min(math.floor(left / (cost + interval) + _EPS), further))
        if cycles:
            if self._history.recording:
                for k in range(cycles):
                    when = started + elapsed - left + k * (cost + interval) + cost
                    self._history.log_at(when, record.CHECKPOINT, boundary + k * interval)
            self.done += cycles * interval
            self._saved = self.done - interval
            left = max(left - cycles * (cost + interval), 0.0)
        step = min(left, cost)
        left -= step
        if step < cost - _EPS:
            self._writing = cost - step  # the write goes on
            return
        self._writing = 0.0
        self._written(started + elapsed - left)
        self.done += left  # less than the way to the next checkpoint

    def _written(self, when: float) -> None:
        """The checkpoint being written is safe in S3 at ``when``."""
        self._writing = 0.0
        self._saved = self.done
        self._history.log_at(when, record.CHECKPOINT, self._saved)

    def _record_passed(self, before: float, after: float, now: float) -> None:
        """Record the checkpoints (instant writes) training passed from ``before`` to ``after``, which
        it reached ``now``."""
        interval = self.interval
        first = math.floor(before / interval + _EPS) + 1
        last = math.floor(after / interval + _EPS)
        for k in range(first, last + 1):
            if k * interval < self.needed - _EPS:
                self._history.log_at(now - (after - k * interval), record.CHECKPOINT, k * interval)
