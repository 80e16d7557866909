"""The generic holder of heavy resources: one open at a time, back-off, fallback, status."""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Callable

import pytest

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.health import ResourceState, ResourceStatus, ResourceUnavailableError

THREADS = 16


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time forward."""
        self.now += seconds


class Opener:
    """Opens a resource, failing the first `failures` times; counts its calls."""

    def __init__(self, failures: int = 0, gate: threading.Event | None = None) -> None:
        self.failures = failures
        self.gate = gate
        self.calls = 0
        self.entered = threading.Event()

    def __call__(self) -> str:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if self.calls <= self.failures:
            raise OSError(f"disk full\n(attempt {self.calls})")
        return f"resource {self.calls}"


def _holder(
    opener: Callable[[], str],
    clock: Clock,
    fallback: Callable[[], str] | None = None,
    backoff: tuple[float, ...] = DEFAULT_BACKOFF,
) -> Lazy[str]:
    return Lazy("model", opener, fallback=fallback, backoff=backoff, clock=clock)


@pytest.fixture
def clock() -> Clock:
    """A fake clock for the back-off."""
    return Clock()


def test_many_threads_asking_at_once_open_the_resource_once(clock: Clock) -> None:
    gate = threading.Event()
    opener = Opener(gate=gate)
    holder = _holder(opener, clock)
    start = threading.Barrier(THREADS + 1)
    results: list[str] = []

    def ask() -> None:
        start.wait()
        results.append(holder.get())

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    assert opener.entered.wait(5)
    gate.set()
    for thread in threads:
        thread.join(10)
    assert opener.calls == 1
    assert results == ["resource 1"] * THREADS


def test_a_failure_is_retried_only_after_the_back_off(clock: Clock) -> None:
    opener = Opener(failures=1)
    holder = _holder(opener, clock)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    clock.advance(4.9)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    assert opener.calls == 1
    clock.advance(0.1)
    assert holder.get() == "resource 2"
    assert opener.calls == 2


def test_delays_grow_along_the_back_off_and_the_last_repeats(clock: Clock) -> None:
    opener = Opener(failures=10)
    holder = _holder(opener, clock, backoff=(5.0, 30.0, 120.0))
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    waited = []
    for _ in range(4):
        calls, delay = opener.calls, 0.0
        while opener.calls == calls:
            clock.advance(1.0)
            delay += 1.0
            with pytest.raises(ResourceUnavailableError):
                holder.get()
        waited.append(delay)
    assert waited == [5.0, 30.0, 120.0, 120.0]


def test_a_success_resets_the_back_off(clock: Clock) -> None:
    opener = Opener(failures=2)
    holder = _holder(opener, clock)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    clock.advance(5)
    with pytest.raises(ResourceUnavailableError):
        holder.get()  # second failure: the next delay is 30 s
    clock.advance(30)
    assert holder.get() == "resource 3"
    assert holder.status() == ResourceStatus("model", ResourceState.READY)
    opener.failures = 4  # the next open fails again
    assert holder.reset() == "resource 3"
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    clock.advance(5)  # back to the first delay
    assert holder.get() == "resource 5"


def test_the_fallback_serves_while_degraded_and_gives_way_once_the_retry_succeeds(
    clock: Clock,
) -> None:
    opener = Opener(failures=1)
    fallbacks: list[str] = []

    def fallback() -> str:
        fallbacks.append("fallback")
        return "fallback"

    holder = _holder(opener, clock, fallback=fallback)
    assert holder.get() == "fallback"
    assert holder.status().state is ResourceState.DEGRADED and holder.status().usable
    assert holder.peek() is None
    assert holder.get() == "fallback"
    assert fallbacks == ["fallback"]  # built once
    clock.advance(5)
    assert holder.get() == "resource 2"
    assert holder.status().state is ResourceState.READY
    assert holder.peek() == "resource 2"


def test_during_a_retry_the_fallback_answers_without_waiting(clock: Clock) -> None:
    gate = threading.Event()
    opener = Opener(failures=1)
    holder = _holder(opener, clock, fallback=lambda: "fallback")
    assert holder.get() == "fallback"
    clock.advance(5)
    opener.gate, opener.entered = gate, threading.Event()
    retry = threading.Thread(target=holder.get)
    retry.start()
    assert opener.entered.wait(5)
    assert holder.status().state is ResourceState.LOADING
    assert holder.get() == "fallback"  # did not wait for the retry under way
    gate.set()
    retry.join(5)
    assert holder.get() == "resource 2"


def test_status_goes_from_idle_through_loading_to_ready(clock: Clock) -> None:
    seen: list[ResourceState] = []

    def opener() -> str:
        seen.append(holder.status().state)
        return "r"

    holder = _holder(opener, clock)
    assert holder.status() == ResourceStatus("model", ResourceState.IDLE)
    assert not holder.status().usable
    assert holder.get() == "r"
    assert seen == [ResourceState.LOADING]
    assert holder.status().state is ResourceState.READY and holder.status().usable


def test_a_failure_without_fallback_is_failed_with_a_one_line_reason(clock: Clock) -> None:
    holder = _holder(Opener(failures=1), clock)
    with pytest.raises(ResourceUnavailableError) as raised:
        holder.get()
    assert raised.value.name == "model"
    status = holder.status()
    assert status.state is ResourceState.FAILED and not status.usable
    assert status.detail.startswith("OSError: disk full") and "\n" not in status.detail
    assert raised.value.reason == status.detail


def test_peek_never_opens(clock: Clock) -> None:
    opener = Opener()
    holder = _holder(opener, clock)
    assert holder.peek() is None
    assert opener.calls == 0 and holder.status().state is ResourceState.IDLE


def test_wait_returns_once_the_warm_up_has_loaded(clock: Clock) -> None:
    gate = threading.Event()
    holder = _holder(Opener(gate=gate), clock)
    thread = holder.warm_up()
    assert thread.daemon
    assert holder.wait(timeout=0.05).state is ResourceState.LOADING  # still loading: timed out
    gate.set()
    assert holder.wait().state is ResourceState.READY
    thread.join(5)
    assert holder.peek() == "resource 1"


def test_a_failing_warm_up_keeps_the_error_in_the_status(clock: Clock) -> None:
    holder = _holder(Opener(failures=1), clock)
    holder.warm_up().join(5)
    assert holder.wait().state is ResourceState.FAILED
    assert holder.status().detail.startswith("OSError")


def test_a_warm_up_while_loading_waits_for_that_load(clock: Clock) -> None:
    gate = threading.Event()
    opener = Opener(gate=gate)
    holder = _holder(opener, clock)
    first, second = holder.warm_up(), holder.warm_up()
    gate.set()
    first.join(5)
    second.join(5)
    assert opener.calls == 1 and holder.status().state is ResourceState.READY


def test_no_traceback_reaches_the_console_at_the_default_level(
    clock: Clock, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    holder = _holder(Opener(failures=3), clock)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    holder.warm_up().join(5)  # still backing off: no new attempt, no new line
    clock.advance(5)
    holder.warm_up().join(5)  # a failing retry in a thread
    records = [r for r in caplog.records if r.name == "bot.adapters.lazy"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in records)
    assert all("OSError" in r.getMessage() for r in records)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_the_traceback_is_logged_at_debug_level(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.adapters.lazy")
    holder = _holder(Opener(failures=1), clock)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    assert any(r.exc_info and r.levelno == logging.DEBUG for r in caplog.records)


def test_an_interrupted_open_leaves_nobody_waiting(clock: Clock) -> None:
    class Interrupted(BaseException):
        pass

    def interrupted() -> str:
        raise Interrupted

    holder: Lazy[str] = Lazy("model", interrupted, clock=clock)
    with pytest.raises(Interrupted):
        holder.get()
    assert holder.status().state is ResourceState.IDLE
    assert holder.wait(timeout=1).state is ResourceState.IDLE


def test_reset_with_a_stale_resource_keeps_the_current_one(clock: Clock) -> None:
    holder = _holder(Opener(), clock)
    current = holder.get()
    assert holder.reset(only="an older one") is None
    assert holder.peek() == current


def test_a_fallback_that_fails_too_leaves_the_resource_failed(clock: Clock) -> None:
    def broken() -> str:
        raise ValueError("no cues")

    holder = _holder(Opener(failures=1), clock, fallback=broken)
    with pytest.raises(ResourceUnavailableError):
        holder.get()
    assert holder.status().state is ResourceState.FAILED


def test_an_empty_back_off_is_refused() -> None:
    with pytest.raises(ValueError, match="backoff"):
        Lazy("model", str, backoff=())


def test_the_unavailable_error_survives_pickling() -> None:
    # Charts are drawn in a child process; its errors travel back pickled.
    error = pickle.loads(pickle.dumps(ResourceUnavailableError("charts", "ImportError: x")))
    assert (error.name, error.reason) == ("charts", "ImportError: x")
