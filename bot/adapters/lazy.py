"""One holder for heavy resources: opened on first need, by one thread, and retried after failing.

It imports no adapter package (only the standard library and bot.domain), so that every adapter
and the composition root can build on it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from bot.domain.health import ResourceState, ResourceStatus, ResourceUnavailableError

T = TypeVar("T")

log = logging.getLogger(__name__)

DEFAULT_BACKOFF = (5.0, 30.0, 120.0, 600.0)
MAX_DETAIL = 200


def describe(error: BaseException) -> str:
    """Return one short line for an error: its class name and its message, on one line."""
    if isinstance(error, ResourceUnavailableError):
        return error.reason  # already described by the resource it came from
    message = " ".join(str(error).split())
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text if len(text) <= MAX_DETAIL else f"{text[: MAX_DETAIL - 1]}…"


class Lazy(Generic[T]):
    """A resource opened on first need by one thread at a time; a failure is retried later.

    After a failure it serves the fallback (DEGRADED) or raises ResourceUnavailableError
    (FAILED) until the back-off delay has passed; the next get() then tries the opener again.
    Delays grow along `backoff`, the last one repeating; a success resets them.
    """

    def __init__(
        self,
        name: str,
        opener: Callable[[], T],
        *,
        fallback: Callable[[], T] | None = None,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not backoff:
            raise ValueError("backoff needs at least one delay")
        self.name = name
        self._opener = opener
        self._make_fallback = fallback
        self._backoff = backoff
        self._clock = clock
        # One condition guards every field below and wakes the threads waiting for a load.
        self._changed = threading.Condition()
        self._state = ResourceState.IDLE
        self._detail = ""
        self._resource: T | None = None
        self._fallback: T | None = None
        self._failures = 0
        self._retry_at = 0.0

    def get(self) -> T:
        """Return the resource, opening it if needed (or the fallback while it is unavailable)."""
        with self._changed:
            # During a retry the fallback keeps serving: only the first load makes callers wait.
            while self._state is ResourceState.LOADING and self._fallback is None:
                self._changed.wait()
            if self._state is ResourceState.READY:
                return cast(T, self._resource)
            if not self._claim():
                return self._unavailable()
        return self._load()

    def peek(self) -> T | None:
        """Return the resource if it is ready, else None; never opens it."""
        with self._changed:
            return self._resource if self._state is ResourceState.READY else None

    def warm_up(self) -> threading.Thread:
        """Open the resource in a daemon thread; an error is kept in the status, not raised."""
        with self._changed:
            # Claimed here, not in the thread, so that wait() called right after sees LOADING.
            claimed = self._claim()
        target = self._quiet_load if claimed else self._quiet_get
        thread = threading.Thread(target=target, name=f"{self.name}-warm-up", daemon=True)
        try:
            thread.start()
        except BaseException:
            if claimed:
                self._release_claim()
            raise
        return thread

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while the resource is loading (at most `timeout` seconds); return its status."""
        with self._changed:
            self._changed.wait_for(lambda: self._state is not ResourceState.LOADING, timeout)
            return self._status()

    def status(self) -> ResourceStatus:
        """Return the resource's state and, after a failure, why."""
        with self._changed:
            return self._status()

    def reset(self, only: T | None = None) -> T | None:
        """Forget the resource (back to IDLE) and return it if it was ready, for its owner to close.

        With `only`, forget it only if it is still that object: a caller that found it broken
        must not throw away a fresh one another thread opened meanwhile.
        """
        with self._changed:
            self._changed.wait_for(lambda: self._state is not ResourceState.LOADING)
            resource = self._resource if self._state is ResourceState.READY else None
            if only is not None and resource is not only:
                return None
            self._state, self._detail = ResourceState.IDLE, ""
            self._resource = self._fallback = None
            self._failures, self._retry_at = 0, 0.0
            return resource

    # --- under the lock ---------------------------------------------------------------------

    def _claim(self) -> bool:
        """Take the load for the calling thread when one is due; never waits."""
        if self._state in (ResourceState.READY, ResourceState.LOADING):
            return False
        if self._failures and self._clock() < self._retry_at:
            return False
        self._state = ResourceState.LOADING
        return True

    def _unavailable(self) -> T:
        if self._fallback is not None:
            return self._fallback
        raise ResourceUnavailableError(self.name, self._detail or "not loaded")

    def _resting_state(self) -> ResourceState:
        if not self._failures:
            return ResourceState.IDLE
        return ResourceState.FAILED if self._fallback is None else ResourceState.DEGRADED

    def _status(self) -> ResourceStatus:
        return ResourceStatus(self.name, self._state, self._detail)

    # --- in the thread that claimed the load -------------------------------------------------

    def _load(self) -> T:
        try:
            resource = self._opener()
        except Exception as error:
            return self._failed(error)
        except BaseException:
            self._release_claim()  # an interrupted load must not leave others waiting forever
            raise
        with self._changed:
            recovered = self._failures > 0
            self._resource, self._fallback = resource, None
            self._state, self._detail = ResourceState.READY, ""
            self._failures, self._retry_at = 0, 0.0
            self._changed.notify_all()
        if recovered:
            log.info("%s is available again", self.name)
        return resource

    def _failed(self, error: Exception) -> T:
        fallback = self._fallback if self._fallback is not None else self._open_fallback()
        with self._changed:
            self._failures += 1
            delay = self._backoff[min(self._failures, len(self._backoff)) - 1]
            self._retry_at = self._clock() + delay
            self._fallback, self._detail = fallback, describe(error)
            self._state = self._resting_state()
            self._changed.notify_all()
            detail = self._detail
        serving = "serving its fallback" if fallback is not None else "unavailable"
        log.warning("%s failed to open (%s); %s, retry in %g s", self.name, detail, serving, delay)
        log.debug("%s: why it failed", self.name, exc_info=error)
        if fallback is None:
            raise ResourceUnavailableError(self.name, detail) from error
        return fallback

    def _open_fallback(self) -> T | None:
        if self._make_fallback is None:
            return None
        try:
            return self._make_fallback()
        except Exception as error:
            log.warning("%s: its fallback failed too (%s)", self.name, describe(error))
            log.debug("%s: why the fallback failed", self.name, exc_info=error)
            return None

    def _release_claim(self) -> None:
        with self._changed:
            self._state = self._resting_state()
            self._changed.notify_all()

    # In a warm-up thread the error is kept in the status; whoever needs the resource hears of it.

    def _quiet_load(self) -> None:
        with contextlib.suppress(ResourceUnavailableError):
            self._load()

    def _quiet_get(self) -> None:
        with contextlib.suppress(ResourceUnavailableError):
            self.get()
