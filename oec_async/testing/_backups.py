"""The fake's rules about backups: visibility, the restore's safety backup, snapshots, storage."""

from __future__ import annotations

from ._errors import JSONObject, not_found
from ._records import ApiKeyRecord, Environment
from ._resources import Backup
from ._state import FakeState
from ._tasks import QUEUE_FRACTION, STEPS, TaskRecord


def find_backup(state: FakeState, key: ApiKeyRecord, backup_id: str) -> Backup:
    """Return a backup visible to `key` (of a deleted environment too), or raise 404.

    An expired backup is gone in the docs' dialect and listed as `expired` in the live one.
    """
    backup = state.backups.get(backup_id)
    if backup is None or not backup_visible(state, backup):
        raise not_found("Backup")
    state.get_environment_or_deleted(key, backup.environment_id)  # visibility
    return backup


def backup_visible(state: FakeState, backup: Backup) -> bool:
    """Return True unless the backup has expired and the dialect drops expired backups."""
    return state.rules.expired_backups_listed or not backup.expired(state.now())


def take_safety_backup(state: FakeState, env: Environment, restore: TaskRecord) -> Backup:
    """Record the `pre_restore` backup the live API takes as a restore's first step."""
    steps = len(STEPS["restore"])
    first_step_ends = QUEUE_FRACTION + (1 - QUEUE_FRACTION) / steps
    task = TaskRecord(
        id=state.new_id(),
        type="backup",
        environment_id=env.id,
        created_at=restore.created_at,
        duration=restore.duration * first_step_ends,
    )
    state.tasks_by_id[task.id] = task
    backup = Backup(
        id=state.new_id(),
        environment_id=env.id,
        task=task,
        created_at=restore.created_at,
        snapshot=environment_snapshot(state, env),
        backup_type="pre_restore",
        retention_type="weekly",
    )
    task.backup_id = backup.id
    state.backups[backup.id] = backup
    return backup


def environment_snapshot(state: FakeState, env: Environment) -> JSONObject:
    """Return the environment/project/server snapshot stored with a backup."""
    project = state.projects[env.project_id]
    server = state.servers.get(env.server_id or "")
    return {
        "environment": {
            "id": env.id,
            "name": env.name,
            "odoo_version": env.odoo_version,
            "branch": env.branch,
        },
        "project": {"id": project.id, "name": project.name},
        "server": None if server is None else {"id": server.id, "name": server.name},
    }


def storage_of(state: FakeState, backup: Backup) -> str | None:
    """Return the id of the storage configuration `backup` went to (None: none exists)."""
    default = next((c.id for c in state.storage_configs.values() if c.is_default), None)
    return backup.storage_config_id or default
