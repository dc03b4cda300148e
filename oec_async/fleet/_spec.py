"""A fleet call's arguments, validated before anything is sent, and its idempotency keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final, Literal, TypedDict
from uuid import UUID, uuid4, uuid5

from attrs import frozen

from .._config import PollPolicy
from .._models import Environment
from .._validation import (
    EnvironmentRef,
    check_environment_id,
    check_positive_number,
    check_uuid,
)
from ._events import FleetEvent
from ._rollout import Rollout, plan_waves

__all__ = [
    "CONFLICT_POLICIES",
    "ConflictPolicy",
    "EnvironmentRef",
    "FleetOptions",
    "FleetSpec",
    "FleetTarget",
    "build_spec",
    "idempotency_key",
]

ConflictPolicy = Literal["attach", "wait_then_retry", "skip", "raise", "fail"]
"""What to do when the server answers 409 ``task_in_progress`` (``"fail"`` = ``"raise"``)."""
CONFLICT_POLICIES: Final[tuple[ConflictPolicy, ...]] = (
    "attach",
    "wait_then_retry",
    "skip",
    "raise",
    "fail",
)


class FleetOptions(TypedDict, total=False):
    """The options every fleet call takes; :class:`Fleet` documents each, and ``build_spec``
    holds their defaults."""

    max_parallel: int
    fail_fast: bool
    max_failures: int | None
    timeout_per_environment: float | None
    timeout: float | None
    on_conflict: ConflictPolicy
    batch_id: str | None
    poll: PollPolicy | None
    on_event: Callable[[FleetEvent], object] | None
    rollout: Rollout | None
    force: bool


_KEY_NAMESPACE: Final = uuid5(UUID(int=0), "oec-async/fleet")
_MAX_BATCH_ID: Final = 200


def idempotency_key(batch_id: str, environment_id: UUID | str, action: str) -> str:
    """The idempotency key a fleet run with ``batch_id`` sends for one environment's action.

    Deterministic (a UUID5 of the three values), so a re-run of the same batch after a crash
    gets the server's cached answer (the task it already started) instead of a second task.
    """
    env = check_environment_id(environment_id)
    return str(uuid5(_KEY_NAMESPACE, f"{batch_id}\x1f{env}\x1f{action}"))


@frozen(kw_only=True)
class FleetTarget:
    """One environment of a run: where it sits in the input, and its project when known."""

    index: int
    environment_id: UUID
    project_id: UUID | None = None
    name: str | None = None


@frozen(kw_only=True)
class FleetSpec:
    """Everything a fleet run needs to know, already validated."""

    action: str
    targets: tuple[FleetTarget, ...]
    body: Mapping[str, object] | None
    max_parallel: int
    max_failures: int | None
    timeout_per_environment: float | None
    timeout: float | None
    on_conflict: ConflictPolicy
    batch_id: str | None
    run_id: str
    poll: PollPolicy | None
    on_event: Callable[[FleetEvent], object] | None
    rollout: Rollout | None = None
    waves: tuple[tuple[int, ...], ...] = ()
    """Rollouts: the positions of each wave's targets (one wave of all without a rollout)."""
    force: bool = False

    def key_for(self, target: FleetTarget) -> str:
        """The idempotency key of ``target``'s action (from ``batch_id``, else a per-run id)."""
        return idempotency_key(self.batch_id or self.run_id, target.environment_id, self.action)


def _targets(environments: Iterable[EnvironmentRef]) -> tuple[FleetTarget, ...]:
    given: object = environments
    if isinstance(given, str | bytes | UUID | Environment):
        raise TypeError(
            "environments must be a list of environment ids (or Environment objects), "
            f"not a single {type(given).__name__}"
        )
    try:
        items = list(environments)
    except TypeError:
        raise TypeError(
            f"environments must be an iterable of ids, got {type(given).__name__}"
        ) from None
    targets: list[FleetTarget] = []
    seen: dict[UUID, int] = {}
    for index, item in enumerate(items):
        if isinstance(item, Environment):
            env_id, project_id, name = item.id, item.project_id, item.name
        else:
            env_id = UUID(check_uuid(item, f"environments[{index}]"))
            project_id, name = None, None
        if env_id in seen:
            raise ValueError(
                f"environment {env_id} is listed twice (positions {seen[env_id]} and {index}): "
                "each environment may appear once in a fleet run"
            )
        seen[env_id] = index
        targets.append(
            FleetTarget(index=index, environment_id=env_id, project_id=project_id, name=name)
        )
    return tuple(targets)


def _max_failures(fail_fast: bool, max_failures: int | None) -> int | None:
    flag: object = fail_fast
    if not isinstance(flag, bool):
        raise TypeError(f"fail_fast must be True or False, got {type(flag).__name__}")
    if max_failures is not None:
        limit: object = max_failures
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError(f"max_failures must be an integer, got {type(limit).__name__}")
        if max_failures < 1:
            raise ValueError(f"max_failures must be >= 1, got {max_failures}")
        if fail_fast and max_failures != 1:
            raise ValueError(
                f"fail_fast=True means max_failures=1; got max_failures={max_failures} too"
            )
    return 1 if fail_fast else max_failures


def build_spec(
    action: str,
    environments: Iterable[EnvironmentRef],
    *,
    body: Mapping[str, object] | None = None,
    max_parallel: int = 20,
    fail_fast: bool = False,
    max_failures: int | None = None,
    timeout_per_environment: float | None = None,
    timeout: float | None = None,
    on_conflict: ConflictPolicy = "attach",
    batch_id: str | None = None,
    poll: PollPolicy | None = None,
    on_event: Callable[[FleetEvent], object] | None = None,
    rollout: Rollout | None = None,
    force: bool = False,
) -> FleetSpec:
    """Validate a fleet call's arguments.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: an invalid value (non-UUID id, duplicate environment, max_parallel < 1,
            a canary not in the fleet...).
    """
    parallel: object = max_parallel
    if not isinstance(parallel, int) or isinstance(parallel, bool):
        raise TypeError(f"max_parallel must be an integer, got {type(parallel).__name__}")
    if max_parallel < 1:
        raise ValueError(f"max_parallel must be >= 1, got {max_parallel}")
    if on_conflict not in CONFLICT_POLICIES:
        raise ValueError(
            f"on_conflict must be one of {', '.join(CONFLICT_POLICIES)}, got {on_conflict!r}"
        )
    if batch_id is not None:
        batch: object = batch_id
        if not isinstance(batch, str):
            raise TypeError(f"batch_id must be a string, got {type(batch).__name__}")
        if not batch_id.strip() or len(batch_id) > _MAX_BATCH_ID:
            raise ValueError(f"batch_id must be 1..{_MAX_BATCH_ID} characters, got {batch_id!r}")
    if poll is not None and not isinstance(poll, PollPolicy):
        raise TypeError(f"poll must be a PollPolicy, got {type(poll).__name__}")
    if on_event is not None and not callable(on_event):
        raise TypeError(f"on_event must be callable, got {type(on_event).__name__}")
    if rollout is not None and not isinstance(rollout, Rollout):
        raise TypeError(f"rollout must be a Rollout, got {type(rollout).__name__}")
    forced: object = force
    if not isinstance(forced, bool):
        raise TypeError(f"force must be True or False, got {type(forced).__name__}")
    if force and rollout is None:
        raise ValueError("force=True only applies to a rollout (rollout=Rollout(...))")
    targets = _targets(environments)
    waves: tuple[tuple[int, ...], ...]
    if rollout is None:
        waves = (tuple(range(len(targets))),)
    else:
        waves = plan_waves([t.environment_id for t in targets], rollout)
    return FleetSpec(
        action=action,
        targets=targets,
        body=body,
        max_parallel=max_parallel,
        max_failures=_max_failures(fail_fast, max_failures),
        timeout_per_environment=check_positive_number(
            timeout_per_environment, "timeout_per_environment"
        ),
        timeout=check_positive_number(timeout, "timeout"),
        on_conflict="raise" if on_conflict == "fail" else on_conflict,
        batch_id=batch_id,
        run_id=uuid4().hex,
        poll=poll,
        on_event=on_event,
        rollout=rollout,
        waves=waves,
        force=force,
    )
