"""How models look on screen: table rows, ``name value`` pairs, and JSON objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._converter import unstructure
from .._enums import EnvironmentStatus, TaskStatus
from .._models import Deployment, Environment, EnvironmentStatusReport

__all__ = [
    "DEPLOYMENT_HEADERS",
    "ENVIRONMENT_HEADERS",
    "as_json",
    "deployment_fields",
    "deployment_row",
    "environment_fields",
    "environment_row",
    "progress_text",
    "seconds",
    "show",
    "status_fields",
]

ENVIRONMENT_HEADERS = ("ID", "NAME", "STATUS", "BRANCH", "ODOO", "URL")
DEPLOYMENT_HEADERS = ("ID", "TYPE", "STATUS", "PROGRESS", "STARTED", "DURATION", "ERROR")


def as_json(model: object) -> dict[str, Any]:
    """A model as a JSON-ready dict (ids and times as strings, enums as their values)."""
    data = unstructure(model)
    if not isinstance(data, dict):  # pragma: no cover - every model is an attrs class
        raise TypeError(f"cannot render {type(model).__name__} as a JSON object")
    return data


def show(value: object) -> str:
    """A field value as text: ``-`` for missing, ISO times, enum values, yes/no."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, EnvironmentStatus | TaskStatus):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def seconds(value: float | None) -> str:
    """A duration: ``42s``, ``3m05s``."""
    if value is None:
        return "-"
    whole = round(value)
    if whole < 60:
        return f"{value:.1f}s" if value < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s"


def progress_text(deployment: Deployment) -> str:
    """``40%`` or ``-``."""
    if deployment.progress_percent is None:
        return "-"
    return f"{deployment.progress_percent:.0f}%"


def environment_row(env: Environment) -> tuple[str, ...]:
    """One row under :data:`ENVIRONMENT_HEADERS`."""
    return (
        str(env.id),
        show(env.name),
        show(env.status),
        show(env.branch),
        show(env.odoo_version),
        show(env.url),
    )


def environment_fields(env: Environment) -> list[tuple[str, str]]:
    """Every field of an environment, labelled."""
    return [
        ("id", str(env.id)),
        ("name", show(env.name)),
        ("status", show(env.status)),
        ("url", show(env.url)),
        ("project", show(env.project_id)),
        ("server", show(env.server_id)),
        ("branch", show(env.branch)),
        ("last commit", show(env.last_commit)),
        ("odoo version", show(env.odoo_version)),
        ("cpu cores", show(env.cpu_cores)),
        ("ram (MB)", show(env.ram_mb)),
        ("disk (GB)", show(env.disk_gb)),
        ("custom domain", show(env.custom_domain)),
        ("domain verified", show(env.custom_domain_verified)),
        ("created", show(env.created_at)),
        ("updated", show(env.updated_at)),
    ]


def status_fields(report: EnvironmentStatusReport) -> list[tuple[str, str]]:
    """An environment's health report, labelled."""
    pairs = [
        ("environment", show(report.environment_id)),
        ("status", show(report.status)),
        ("url", show(report.url)),
        ("container running", show(report.container_running)),
        ("database ready", show(report.db_ready)),
        ("http ok", show(report.http_ok)),
    ]
    last = report.last_deploy
    if last is None:
        pairs.append(("last deploy", "never"))
    else:
        pairs += [
            ("last deploy", str(last.id)),
            ("last deploy status", show(last.status)),
            ("last deploy started", show(last.started_at)),
            ("last deploy completed", show(last.completed_at)),
        ]
    return pairs


def deployment_row(deployment: Deployment) -> tuple[str, ...]:
    """One row under :data:`DEPLOYMENT_HEADERS`."""
    return (
        str(deployment.id),
        show(deployment.type),
        show(deployment.status),
        progress_text(deployment),
        show(deployment.started_at),
        seconds(deployment.duration_seconds),
        deployment.error_message or "",
    )


def deployment_fields(deployment: Deployment) -> list[tuple[str, str]]:
    """Every field of a task, labelled."""
    steps = "-"
    if deployment.total_steps is not None:
        steps = f"{deployment.steps_completed or 0}/{deployment.total_steps}"
    return [
        ("id", str(deployment.id)),
        ("type", show(deployment.type)),
        ("status", show(deployment.status)),
        ("environment", show(deployment.environment_id)),
        ("progress", progress_text(deployment)),
        ("current step", show(deployment.current_step)),
        ("steps", steps),
        ("started", show(deployment.started_at)),
        ("completed", show(deployment.completed_at)),
        ("duration", seconds(deployment.duration_seconds)),
        ("error", show(deployment.error_message)),
    ]
