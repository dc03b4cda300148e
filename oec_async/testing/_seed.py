"""Seed data: organisation, keys, servers, projects, environments and their history."""

from __future__ import annotations

import attrs

from ._backups import environment_snapshot
from ._records import ApiKeyRecord, Environment, Project, Server
from ._resources import Backup, StorageConfig, Webhook
from ._state import FakeState
from ._tasks import ERROR_MESSAGES, TaskRecord

_HOUR = 3600.0
_DAY = 24 * _HOUR


@attrs.frozen(kw_only=True)
class SeedSpec:
    """How much data to seed (see `FakeOEC` for the meaning of each field)."""

    environments: int = 10
    projects: int = 1
    stopped_fraction: float = 0.1
    deployments_per_environment: int = 3
    backups_per_environment: int = 2
    webhooks: int = 2


def seed_state(state: FakeState, spec: SeedSpec) -> None:
    """Fill an empty `state` deterministically from its seed and `spec`."""
    now = state.now()
    state.org = {
        "id": state.new_id(),
        "name": "Acme Odoo Hosting",
        "slug": "acme",
        "plan": "pro",
        "max_environments": max(100, 2 * spec.environments),
        "max_cpu_cores": 4096,
        "max_ram_mb": 8_388_608,
        "max_disk_gb": 100_000,
    }
    for name, prefix in (
        ("CI deploy key", "oec_live_rw_"),
        ("Read-only dashboard", "oec_live_ro_"),
    ):
        key = ApiKeyRecord(
            id=state.new_id(), name=name, key=state.new_secret(prefix), created_at=now - 90 * _DAY
        )
        state.keys[key.key] = key
    for index in range(2):
        server = Server(id=state.new_id(), name=f"srv-{index + 1:02d}", created_at=now - 60 * _DAY)
        state.servers[server.id] = server
    server_ids = list(state.servers)
    for index in range(spec.projects):
        project = Project(
            id=state.new_id(),
            name=f"project-{index + 1:02d}",
            created_at=now - 60 * _DAY,
            server_id=server_ids[index % len(server_ids)],
            git_repo_url=f"https://github.com/acme/project-{index + 1:02d}",
        )
        state.projects[project.id] = project
    _seed_environments(state, spec, now)
    for index in range(spec.webhooks):
        hook = Webhook(
            id=state.new_id(),
            url=f"https://hooks.example.com/oec-{index + 1}",
            events=["deploy.completed", "deploy.failed"],
            secret=state.new_secret("whsec_", 32),
            created_at=now - 30 * _DAY,
            description=f"CI notifications {index + 1}",
        )
        state.webhooks[hook.id] = hook
    # Seeded last, so adding them left every other seeded id as it was.
    for name, provider, default in (
        ("Default backup storage", "s3", True),
        ("Offsite copies", "backblaze_b2", False),
    ):
        config = StorageConfig(id=state.new_id(), name=name, provider=provider, is_default=default)
        state.storage_configs[config.id] = config


def _seed_environments(state: FakeState, spec: SeedSpec, now: float) -> None:
    project_ids = list(state.projects)
    width = max(3, len(str(spec.environments)))
    stopped_count = round(spec.environments * spec.stopped_fraction)
    stopped = set(random_sample(state, spec.environments, stopped_count))
    history = spec.deployments_per_environment
    for index in range(spec.environments):
        project = state.projects[project_ids[index % len(project_ids)]]
        created = now - history * _HOUR - 30 * _DAY + index
        env = Environment(
            id=state.new_id(),
            name=f"env-{index + 1:0{width}d}",
            project_id=project.id,
            server_id=project.server_id,
            created_at=created,
            updated_at=created,
            odoo_version=project.odoo_version or "17.0",
            last_commit=state.new_secret("", 7).lower(),
            failed_status=state.rules.failed_environment_status,
        )
        state.environments[env.id] = env
        for age in reversed(range(history)):
            type_ = "stop" if age == 0 and index in stopped else "deploy"
            fails = age % 10 == 7
            task = TaskRecord(
                id=state.new_id(),
                type=type_,
                environment_id=env.id,
                created_at=now - (age + 1) * _HOUR - index,
                duration=90.0,
                fails=fails,
                error_message=ERROR_MESSAGES[type_] if fails else None,
            )
            state.tasks_by_id[task.id] = task
            env.tasks.append(task)
            env.last_action = task
        if history == 0 and index in stopped:
            env.base_status = "stopped"
        _seed_backups(state, spec, env, now)


def _seed_backups(state: FakeState, spec: SeedSpec, env: Environment, now: float) -> None:
    for age in reversed(range(spec.backups_per_environment)):
        created = now - (age + 1) * _DAY
        task = TaskRecord(
            id=state.new_id(),
            type="backup",
            environment_id=env.id,
            created_at=created,
            duration=272.0,
        )
        backup = Backup(
            id=state.new_id(),
            environment_id=env.id,
            task=task,
            created_at=created,
            snapshot=environment_snapshot(state, env),
            backup_type="scheduled",
        )
        task.backup_id = backup.id
        state.tasks_by_id[task.id] = task
        state.backups[backup.id] = backup


def random_sample(state: FakeState, population: int, count: int) -> list[int]:
    """Return `count` distinct indexes below `population`, chosen by the state's id generator."""
    rng = state.id_rng
    return rng.sample(range(population), min(count, population))
