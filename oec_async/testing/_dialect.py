"""The two dialects the fake speaks: the published docs, or what the live API sends.

Where the docs and the live API disagree (oec-api.md section 6, and what a real client written
against the live service expects), each difference is one field of `DialectRules`, and every
route asks the rules instead of testing the dialect's name. README's "Testing your code" has
the same differences as a table.
"""

from __future__ import annotations

import re
from typing import Final, Literal, TypeAlias

import attrs

Dialect: TypeAlias = Literal["docs", "live"]
DIALECTS: Final[tuple[Dialect, ...]] = ("docs", "live")

# Host names: the docs' rule is lower-case labels only; the live API also takes a leading
# wildcard label and any case (DNS names are case-insensitive).
_DOCS_HOST: Final = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LIVE_HOST: Final = re.compile(
    r"^(?=.{1,253}$)(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@attrs.frozen(kw_only=True)
class DialectRules:
    """Every point where the docs' API and the live API answer differently.

    Attributes:
        name: ``"docs"`` or ``"live"``.
        backup_pages_field: The backups list's page-count field (``total_pages`` / ``pages``).
        failed_environment_status: An environment's status after a failed deploy or
            quick-update (``failed`` / ``error``).
        backup_running_status: A backup's status while its task runs (``running`` /
            ``in_progress``).
        backup_uploading_status: Its status during the upload step (the live ``uploading``),
            or None when the dialect has no such status.
        expired_backups_listed: Whether a backup past its ``expires_at`` stays visible with the
            status ``expired`` (live) rather than disappearing (docs).
        max_webhook_events: Events one webhook may subscribe to (10 / 12).
        host_name: The custom-domain rule (lower case only / wildcard and any case).
        safety_backup_on_restore: Whether a restore first takes a ``pre_restore`` backup.
        plain_backup_errors: Whether the backup routes' 404s use a plain string ``detail``.
        field_error_shape: 422 field errors as ``{field, message}`` in the top-level envelope
            (``"field"``, the docs' example) or always FastAPI's ``{loc, msg, type}``
            (``"loc"``: request validation runs before any route, whatever its error style).
    """

    name: Dialect
    backup_pages_field: str
    failed_environment_status: str
    backup_running_status: str
    backup_uploading_status: str | None
    expired_backups_listed: bool
    max_webhook_events: int
    host_name: re.Pattern[str]
    safety_backup_on_restore: bool
    plain_backup_errors: bool
    field_error_shape: Literal["field", "loc"]


RULES: Final[dict[Dialect, DialectRules]] = {
    "docs": DialectRules(
        name="docs",
        backup_pages_field="total_pages",
        failed_environment_status="failed",
        backup_running_status="running",
        backup_uploading_status=None,
        expired_backups_listed=False,
        max_webhook_events=10,
        host_name=_DOCS_HOST,
        safety_backup_on_restore=False,
        plain_backup_errors=False,
        field_error_shape="field",
    ),
    "live": DialectRules(
        name="live",
        backup_pages_field="pages",
        failed_environment_status="error",
        backup_running_status="in_progress",
        backup_uploading_status="uploading",
        expired_backups_listed=True,
        max_webhook_events=12,
        host_name=_LIVE_HOST,
        safety_backup_on_restore=True,
        plain_backup_errors=True,
        field_error_shape="loc",
    ),
}


def dialect_rules(dialect: str) -> DialectRules:
    """Return the rules of `dialect`.

    Raises:
        ValueError: Not ``"docs"`` or ``"live"``.
    """
    if dialect not in RULES:
        raise ValueError(f"dialect must be 'docs' or 'live', got {dialect!r}")
    return RULES[dialect]
