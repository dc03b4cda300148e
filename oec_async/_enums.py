"""Status enums that tolerate values the server adds later."""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Self

__all__ = ["EnvironmentStatus", "TaskStatus"]


class _OpenStrEnum(StrEnum):
    """A string enum that accepts unknown values as pseudo-members instead of raising.

    The API adds values over time (``cloning``, ``expired``...); an SDK that crashes on them
    would break every user on the day the server changes. Unknown members compare equal to
    their string and report ``is_known == False``.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value.upper()}"
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one the SDK knows about."""
        return self._name_ in type(self).__members__


class TaskStatus(_OpenStrEnum):
    """The status of a task (deployment, restart, start, stop, backup, destroy)."""

    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        """Whether the task has finished: ``completed``, ``failed`` or ``cancelled``."""
        return self in _TERMINAL_TASK

    @property
    def is_success(self) -> bool:
        """Whether the task finished successfully."""
        return self is TaskStatus.COMPLETED


_TERMINAL_TASK: Final = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})


class EnvironmentStatus(_OpenStrEnum):
    """The status of an environment."""

    PENDING = "pending"
    CLONING = "cloning"
    DEPLOYING = "deploying"
    RUNNING = "running"
    STOPPED = "stopped"
    PAUSED = "paused"
    FAILED = "failed"
    ERROR = "error"
    DESTROYING = "destroying"
    DELETED = "deleted"

    @property
    def is_terminal(self) -> bool:
        """Whether the environment is settled: no transition is under way.

        ``pending``, ``cloning``, ``deploying`` and ``destroying`` are transitional; unknown
        values are treated as transitional too, so a wait on them keeps polling.
        """
        return self in _SETTLED_ENVIRONMENT


_SETTLED_ENVIRONMENT: Final = frozenset(
    {
        EnvironmentStatus.RUNNING,
        EnvironmentStatus.STOPPED,
        EnvironmentStatus.PAUSED,
        EnvironmentStatus.FAILED,
        EnvironmentStatus.ERROR,
        EnvironmentStatus.DELETED,
    }
)
