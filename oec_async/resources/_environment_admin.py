"""Request bodies and the first-deploy lookup behind ``client.environments`` create/update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, Literal, TypedDict
from uuid import UUID

import anyio

from .._config import PollPolicy
from .._exceptions import WaitTimeoutError
from .._models import EnvironmentStatusReport
from .._polling import TaskSignals, poll_delay
from .._validation import (
    ServerRef,
    check_bool,
    check_branch,
    check_domain,
    check_number,
    check_server_id,
    check_text,
)

__all__ = [
    "ENVIRONMENT_TYPES",
    "LOG_SOURCES",
    "EnvironmentSettings",
    "EnvironmentType",
    "LogSource",
    "creation_body",
    "first_deploy_task",
    "update_body",
]

EnvironmentType = Literal["development", "staging", "production"]
ENVIRONMENT_TYPES: Final = ("development", "staging", "production")
LogSource = Literal["odoo", "container", "postgres"]
LOG_SOURCES: Final = ("odoo", "container", "postgres")


class EnvironmentSettings(TypedDict, total=False):
    """The optional settings of a new environment (see ``Environments.create``)."""

    environment_type: EnvironmentType
    branch: str
    server_id: ServerRef
    domain: str
    cpu_cores: float
    ram_mb: int
    disk_gb: int
    postgres_version: str
    enable_pgtune: bool
    enable_pgbouncer: bool
    enable_read_replica: bool
    with_demo_data: bool


def _sizes(
    body: dict[str, object], cpu_cores: float | None, ram_mb: int | None, disk_gb: int | None
) -> None:
    if cpu_cores is not None:
        body["cpu_cores"] = check_number(cpu_cores, "cpu_cores", 0.25, 32)
    if ram_mb is not None:
        body["ram_mb"] = check_number(ram_mb, "ram_mb", 256, 131072, integer=True)
    if disk_gb is not None:
        body["disk_gb"] = check_number(disk_gb, "disk_gb", 1, 1000, integer=True)


def creation_body(
    name: str,
    *,
    environment_type: str | None = None,
    branch: str | None = None,
    server_id: ServerRef | None = None,
    domain: str | None = None,
    cpu_cores: float | None = None,
    ram_mb: int | None = None,
    disk_gb: int | None = None,
    postgres_version: str | None = None,
    flags: dict[str, bool | None] | None = None,
) -> dict[str, object]:
    """The JSON body of ``POST /projects/{id}/environments``, checked (``None`` = not sent).

    The server is sent as ``vm_id``: the API silently ignores a ``server_id`` key.
    """
    body: dict[str, object] = {"name": check_text(name, "name", max_len=255)}
    if environment_type is not None:
        if environment_type not in ENVIRONMENT_TYPES:
            raise ValueError(
                f"environment_type must be one of {', '.join(ENVIRONMENT_TYPES)}, "
                f"got {environment_type!r}"
            )
        body["environment_type"] = environment_type
    if branch is not None:
        body["branch"] = check_branch(branch)
    if server_id is not None:
        body["vm_id"] = check_server_id(server_id)
    if domain is not None:
        body["domain"] = check_domain(domain)
    _sizes(body, cpu_cores, ram_mb, disk_gb)
    if postgres_version is not None:
        body["postgres_version"] = check_text(postgres_version, "postgres_version", max_len=10)
    for flag, value in (flags or {}).items():
        if value is not None:
            body[flag] = check_bool(value, flag)
    return body


def update_body(
    *,
    name: str | None,
    branch: str | None,
    domain: str | None,
    cpu_cores: float | None,
    ram_mb: int | None,
    disk_gb: int | None,
) -> dict[str, object]:
    """The JSON body of ``PATCH /environments/{id}``, checked; ``domain=""`` removes the domain."""
    body: dict[str, object] = {}
    if name is not None:
        body["name"] = check_text(name, "name", max_len=255)
    if branch is not None:
        body["branch"] = check_branch(branch)
    if domain is not None:
        body["domain"] = check_domain(domain, allow_empty=True)
    _sizes(body, cpu_cores, ram_mb, disk_gb)
    if not body:
        raise ValueError(
            "nothing to update: pass at least one of name, branch, domain, cpu_cores, ram_mb, "
            "disk_gb"
        )
    return body


async def first_deploy_task(
    status: Callable[[], Awaitable[EnvironmentStatusReport]],
    environment_id: UUID,
    *,
    policy: PollPolicy,
    signals: TaskSignals,
    deadline: float | None,
    timeout: float | None,
) -> UUID:
    """Poll an environment's status until it names its first deploy task; return that task's id.

    The create answer carries no task id: the first deploy appears as ``last_deploy`` once
    queued. Sleeps go through ``signals`` keyed by the environment id, so a webhook push about
    the environment cuts them short.

    Raises:
        WaitTimeoutError: ``deadline`` (an ``anyio.current_time()`` value) passed first.
    """
    what = f"first deploy of environment {environment_id}"
    polls = 0
    while True:
        left = None if deadline is None else deadline - anyio.current_time()
        if left is not None and left <= 0:
            raise WaitTimeoutError(what, timeout or 0.0, None)
        try:
            with anyio.fail_after(left):
                report = await status()
        except TimeoutError:
            raise WaitTimeoutError(what, timeout or 0.0, None) from None
        if report.last_deploy is not None:
            return report.last_deploy.id
        delay = poll_delay(polls, policy)
        polls += 1
        if deadline is not None:
            delay = min(delay, max(0.0, deadline - anyio.current_time()))
        await signals.sleep(environment_id, delay)
