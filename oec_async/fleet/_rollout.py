"""Rollouts: a fleet run in waves, with health gates, bake time and failure budgets.

The rules are pure: the wave sizes, which environments go in which wave, the failure limits,
whether an outcome counts against a budget, and what a health report says. The engine
(``_engine``) applies them; ``_plan`` shows them before anything is sent.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Literal, cast
from uuid import UUID

from attrs import field, frozen

from .._exceptions import OECError
from .._models import Deployment, Environment, EnvironmentStatusReport
from .._validation import check_uuid
from ._outcome import COUNTED_KINDS

__all__ = [
    "COUNTED_KINDS",
    "EnvironmentUnhealthyError",
    "HealthProbe",
    "Rollout",
    "WaveSize",
    "failure_limit",
    "plan_waves",
    "status_verdict",
    "wave_names",
]

WaveSize = int | str
"""A wave's size: a number of environments, or ``"N%"`` of the whole fleet."""
HealthProbe = Callable[[UUID, Deployment], Awaitable[bool]]
"""A user's health check: ``await probe(environment_id, deployment)`` is True when healthy."""


class EnvironmentUnhealthyError(OECError):
    """An environment's task completed, but its health check failed (an ``unhealthy`` outcome).

    Attributes:
        environment_id: The environment.
        reason: What the check found (``"http_ok is false"``, ``"status is error"``, or
            ``"the health probe said no"``).
    """

    def __init__(self, environment_id: UUID, reason: str, *, name: str | None = None) -> None:
        super().__init__(f"environment {name or environment_id} is unhealthy: {reason}")
        self.environment_id = environment_id
        self.reason = reason


def _percent(value: str, name: str) -> float:
    text = value.strip()
    if not text.endswith("%"):
        raise ValueError(f"{name} must be an integer or a percentage such as '10%', got {value!r}")
    try:
        number = float(text[:-1])
    except ValueError:
        raise ValueError(f"{name} must be a percentage such as '10%', got {value!r}") from None
    if not 0 < number <= 100:
        raise ValueError(f"{name} must be a percentage within 1-100%, got {value!r}")
    return number


def _check_size(value: object, name: str) -> WaveSize:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name} must be an integer or 'N%', got {type(value).__name__}")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"{name} must be > 0, got {value}")
        return value
    _percent(value, name)
    return value


def _check_budget(value: object, name: str, *, optional: bool) -> WaveSize | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{name} must be an integer or 'N%', got {type(value).__name__}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
        return value
    text = value.strip()
    if text in ("0%", "0.0%"):
        return value
    _percent(value, name)
    return value


def _sizes(value: object) -> tuple[WaveSize, ...]:
    if isinstance(value, str | int | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            f"waves must be a list of sizes such as [1, '10%', '100%'], got {type(value).__name__}"
        )
    sizes = tuple(value)
    if not sizes:
        raise ValueError("waves must name at least one wave size")
    return tuple(_check_size(size, f"waves[{i}]") for i, size in enumerate(sizes))


def _canary(value: object) -> tuple[UUID, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes | UUID | Environment) or not isinstance(value, Iterable):
        raise TypeError(
            f"canary must be a list of environment ids (or Environments), got {type(value).__name__}"
        )
    ids: list[UUID] = []
    for index, item in enumerate(value):
        env_id = (
            item.id if isinstance(item, Environment) else UUID(check_uuid(item, f"canary[{index}]"))
        )
        if env_id in ids:
            raise ValueError(f"canary lists environment {env_id} twice")
        ids.append(env_id)
    if not ids:
        raise ValueError("canary must name at least one environment (or be None)")
    return tuple(ids)


def _bake(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"bake must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"bake must be a finite number of seconds >= 0, got {value}")
    return float(value)


def _health(value: object) -> Literal["status"] | HealthProbe | None:
    if value is None:
        return None
    if value == "status":
        return "status"
    if isinstance(value, str) or not callable(value):
        raise TypeError(
            f"health must be 'status', None or an async callable (environment_id, deployment) "
            f"-> bool, got {value!r}"
        )
    return cast("HealthProbe", value)  # a callable; its signature is the caller's word


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"pause_between_waves must be True or False, got {type(value).__name__}")
    return value


@frozen(kw_only=True)
class Rollout:
    """How a fleet action rolls out: in waves, each checked and baked before the next.

    Example::

        rollout = Rollout(waves=[1, "10%", "100%"], bake=300, health="status")
        run = client.fleet.deploy(env_ids, rollout=rollout, batch_id="release-42")

    Args:
        waves: Wave sizes, in order: an int, or ``"N%"`` of the whole fleet (rounded down, at
            least 1). The last size repeats until every environment has a wave.
        canary: The environments of the first wave (ids or Environments, all in the fleet);
            the first size is then ``len(canary)`` and ``waves`` sizes the waves after it.
        bake: Seconds to watch a finished wave before the next starts; it is re-checked at the
            end, and an environment that turns unhealthy meanwhile counts against its wave.
        health: ``"status"`` (``GET /environments/{id}/status`` must show the container
            running, the database ready and HTTP answering), ``None`` (no check), or an async
            callable ``(environment_id, deployment) -> bool``. Not applied to ``stop``.
        max_failures_per_wave: Failed, unhealthy and errored environments a wave may have
            (int, or ``"N%"`` of the wave, rounded down); one more halts the rollout.
        max_failures: The same over the whole rollout (int, or ``"N%"`` of the fleet);
            ``None``: no such limit.
        pause_between_waves: Pause after each wave's bake until ``run.resume()``.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: a size <= 0, a percentage outside 1-100%, a negative bake...
    """

    waves: tuple[WaveSize, ...] = field(converter=_sizes)
    canary: tuple[UUID, ...] | None = field(default=None, converter=_canary)
    bake: float = field(default=0.0, converter=_bake)
    health: Literal["status"] | HealthProbe | None = field(default="status", converter=_health)
    max_failures_per_wave: WaveSize = field(default=0)
    max_failures: WaveSize | None = field(default=None)
    pause_between_waves: bool = field(default=False, converter=_flag)

    def __attrs_post_init__(self) -> None:
        _check_budget(self.max_failures_per_wave, "max_failures_per_wave", optional=False)
        _check_budget(self.max_failures, "max_failures", optional=True)


def _size_of(size: WaveSize, total: int) -> int:
    if isinstance(size, int):
        return size
    return max(1, math.floor(total * _percent(size, "wave size") / 100))


def plan_waves(environment_ids: Sequence[UUID], rollout: Rollout) -> tuple[tuple[int, ...], ...]:
    """Split a fleet (positions in input order) into the rollout's waves.

    Raises:
        ValueError: a canary environment is not part of the fleet.
    """
    total = len(environment_ids)
    position = {env: i for i, env in enumerate(environment_ids)}
    waves: list[tuple[int, ...]] = []
    sizes = list(rollout.waves)
    if rollout.canary is not None:
        missing = [str(env) for env in rollout.canary if env not in position]
        if missing:
            raise ValueError(f"canary environment(s) not in the fleet: {', '.join(missing)}")
        waves.append(tuple(sorted(position[env] for env in rollout.canary)))
        taken = set(waves[0])
        rest = [i for i in range(total) if i not in taken]
    else:
        rest = list(range(total))
    step = 0
    while rest:
        size = _size_of(sizes[min(step, len(sizes) - 1)], total)
        waves.append(tuple(rest[:size]))
        rest = rest[size:]
        step += 1
    return tuple(waves)


def wave_names(count: int, *, canary: bool) -> tuple[str, ...]:
    """``("canary", "wave 2", ...)``: the first of several waves is the canary when its size
    is 1 or the caller named it."""
    return tuple(
        "canary" if i == 0 and canary and count > 1 else f"wave {i + 1}" for i in range(count)
    )


def failure_limit(budget: WaveSize | None, base: int) -> int | None:
    """How many counted failures a budget allows among ``base`` environments (``None``: any)."""
    if budget is None:
        return None
    if isinstance(budget, int):
        return budget
    text = budget.strip()
    if text in ("0%", "0.0%"):
        return 0
    return math.floor(base * _percent(text, "failure budget") / 100)


def status_verdict(report: EnvironmentStatusReport) -> str | None:
    """Why a status report says unhealthy, or ``None`` when it does not (unknown fields pass)."""
    for name in ("container_running", "db_ready", "http_ok"):
        if getattr(report, name) is False:
            return f"{name} is false"
    return None


def listed_status_verdict(status: str | None) -> str | None:
    """Why an environment's listed status says unhealthy after a successful action."""
    if status in (None, "running", "deploying"):
        return None
    return f"status is {status}"
