"""Sleeps that move a clock instead of waiting: whose sleeps, what time.time() says, and time given
back whatever the order of leaving."""

from __future__ import annotations

import threading
import time

import pytest

from simulator.server.sleeps import SleepsAdvance


class Clock:
    def __init__(self):
        self.moved = 0.0

    def advance(self, seconds: float) -> None:
        self.moved += seconds


def test_a_sleep_moves_the_clock_and_time_counts_it():
    clock = Clock()
    before, wall = time.time(), time.perf_counter()
    with SleepsAdvance(clock.advance, 10) as sleeps:
        time.sleep(30)
        assert 30 <= time.time() - before < 31 and time.perf_counter() - wall < 1
    assert clock.moved == 300 and sleeps.slept == 30
    assert abs(time.time() - before) < 1 and time.sleep.__module__ == "time"


def test_another_threads_sleeps_stay_real_unless_all_threads_are_asked_for():
    for threads, moved in (("this", 0), ("all", 0.05)):
        clock = Clock()
        with SleepsAdvance(clock.advance, 1, threads=threads):
            other = threading.Thread(target=time.sleep, args=(0.05,))
            wall = time.perf_counter()
            other.start()
            other.join()
            assert (time.perf_counter() - wall >= 0.05) == (threads == "this")
        assert clock.moved == pytest.approx(moved)


def test_leaving_in_any_order_gives_time_back():
    first, second = Clock(), Clock()
    a, b = SleepsAdvance(first.advance), SleepsAdvance(second.advance)
    a.__enter__()
    b.__enter__()
    a.__exit__()
    time.sleep(5)  # the newest entered has it
    assert (first.moved, second.moved) == (0, 5)
    b.__exit__()
    assert time.sleep.__module__ == "time"
    with a, a:  # re-entered: left at the outer exit
        time.sleep(1)
    assert first.moved == 1 and time.sleep.__module__ == "time"


def test_a_clock_that_refuses_leaves_time_as_it_was():
    def refuse(seconds: float) -> None:
        raise ValueError("a year at most")

    with SleepsAdvance(refuse) as sleeps:
        before = time.time()
        with pytest.raises(ValueError, match="a year"):
            time.sleep(10)
        assert sleeps.slept == 0 and time.time() - before < 1


def test_a_patch_made_inside_is_left_to_its_owner(monkeypatch):
    clock = Clock()
    with SleepsAdvance(clock.advance):
        monkeypatch.setattr(time, "sleep", lambda seconds: None)
    assert time.sleep.__module__ != "time"  # the test's own patch stands until the test undoes it
    monkeypatch.undo()
    time.sleep(0.001)  # ours again, with nothing entered: a real sleep
    assert clock.moved == 0
