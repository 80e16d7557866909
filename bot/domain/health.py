"""The health of heavy resources (card index, emotion model, charts, database), as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ResourceState(StrEnum):
    """Where a resource that loads on demand stands."""

    IDLE = "idle"  # not tried yet
    LOADING = "loading"
    READY = "ready"
    DEGRADED = "degraded"  # serving a fallback; the real thing is retried later
    FAILED = "failed"  # unavailable; retried later


@dataclass(frozen=True)
class ResourceStatus:
    """A resource's name, state and a short reason (such as "ModelNotFoundError: …")."""

    name: str
    state: ResourceState
    detail: str = ""

    @property
    def usable(self) -> bool:
        """Tell whether the resource answers now, be it the real thing or its fallback."""
        return self.state in (ResourceState.READY, ResourceState.DEGRADED)


class ResourceUnavailableError(RuntimeError):
    """A resource cannot be opened right now; it is tried again after a while."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} unavailable: {reason}")
        self.name = name
        self.reason = reason

    def __reduce__(self) -> tuple[type[ResourceUnavailableError], tuple[str, str]]:
        # Charts are drawn in a child process: its errors must survive the trip back (pickle).
        return type(self), (self.name, self.reason)
