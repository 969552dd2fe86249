"""The persistent helper thread of a what-if step's two charts (workstation/services/step_helper.py)."""

from __future__ import annotations

import _thread

import pytest

from workstation.services.step_helper import StepHelper


def test_results_in_order_on_two_threads_and_the_first_error_re_raised(monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "2")
    helper = StepHelper()
    seen: list[int] = []
    out = helper.run([lambda: seen.append(_thread.get_ident()) or "a", lambda: seen.append(_thread.get_ident()) or "b"])
    assert out == ["a", "b"]
    assert helper.run([lambda k=k: k * k for k in range(7)]) == [k * k for k in range(7)]

    def boom(k):
        raise ValueError(f"task {k}")
    with pytest.raises(ValueError, match="task 1"):
        helper.run([lambda: 0, lambda: boom(1), lambda: boom(2)])
    assert helper.run([lambda: 1, lambda: 2]) == [1, 2]          # still serving after an error


def test_the_helper_thread_is_started_once_and_runs_the_second_task(monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "2")
    helper = StepHelper()
    gate = _thread.allocate_lock()
    gate.acquire()
    threads = []

    def first():                     # holds the caller until the helper has run the second task
        with gate:
            return _thread.get_ident()

    def second():
        threads.append(_thread.get_ident())
        gate.release()
        return "second"
    for _ in range(3):
        caller, out = helper.run([first, second])
        assert out == "second" and caller == _thread.get_ident()
        gate.acquire()
    assert len(set(threads)) == 1 and threads[0] != _thread.get_ident()


def test_one_thread_wanted_runs_everything_in_the_caller(monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "1")
    helper = StepHelper()
    me = _thread.get_ident()
    assert helper.run([_thread.get_ident, _thread.get_ident]) == [me, me]
    assert not helper._started


def test_a_task_the_busy_helper_has_not_started_is_run_by_its_caller(monkeypatch):
    monkeypatch.setenv("RISKWS_THREADS", "2")
    helper = StepHelper()
    hold, started = _thread.allocate_lock(), _thread.allocate_lock()
    hold.acquire()
    started.acquire()

    def blocker():
        started.release()
        with hold:
            return "blocked"
    helper._start()
    from workstation.services.step_helper import _Task
    busy = _Task(blocker)
    helper._queue.put(busy)                       # the helper is now stuck in another caller's task
    started.acquire()
    me = _thread.get_ident()
    assert helper.run([lambda: 1, _thread.get_ident]) == [1, me]     # did not wait for the helper
    hold.release()
    assert busy.result() == "blocked"
