"""The platform resources and webhooks as a user writes them (checked by mypy only, never run)."""

from __future__ import annotations

from typing import assert_type
from uuid import UUID

from oec_async import (
    ActionResult,
    ApiKey,
    AsyncPaginator,
    Backup,
    BackupDownload,
    Client,
    CreatedEnvironment,
    Environment,
    EnvironmentMetrics,
    Organization,
    OrganizationUsage,
    Page,
    Project,
    RuntimeLog,
    Server,
    ServerMetrics,
    TaskLog,
    Webhook,
    WebhookDelivery,
    WebhookSecret,
    WebhookTestResult,
)
from oec_async.webhooks import (
    DeployEvent,
    SignatureScheme,
    WebhookEvent,
    WebhookReceiver,
    sign_payload,
    verify_signature,
)


async def platform(client: Client, project_id: UUID, server_id: str, env_id: str) -> None:
    projects = client.projects.list(limit=100)
    _ = assert_type(projects, AsyncPaginator[Project])
    assert_type(await client.projects.list(), Page[Project])
    project = await client.projects.create("erp", server_id=server_id, odoo_version="17.0")
    assert_type(project, Project)
    await client.projects.delete(project.id, confirm=True)

    env = await client.environments.create(project_id, "staging", cpu_cores=1, ram_mb=2048)
    assert_type(env, Environment)
    created = await client.environments.create_and_wait(
        project_id, "staging", server_id=server_id, branch="main", timeout=900
    )
    assert_type(created, CreatedEnvironment)
    assert_type(await client.environments.delete(env_id, confirm=True), ActionResult)
    assert_type(await client.environments.logs(env_id, lines=50), TaskLog)
    assert_type(await client.environments.runtime_logs(env_id, source="postgres"), RuntimeLog)
    assert_type(await client.environments.metrics(env_id), EnvironmentMetrics)

    async for backup in client.backups.list(env_id, page_size=50):
        assert_type(backup, Backup)
    assert_type(await client.backups.download_urls(UUID(int=1), expires_in=600), BackupDownload)
    assert_type(await client.backups.restore(UUID(int=1), confirm=True), ActionResult)

    hook = await client.webhooks.create("https://hooks.example.com/oec", ["deploy.completed"])
    assert_type(hook, Webhook)
    assert_type(hook.secret, str | None)
    assert_type(await client.webhooks.test(hook.id), WebhookTestResult)
    assert_type(await client.webhooks.rotate_secret(hook.id), WebhookSecret)
    deliveries = client.webhooks.deliveries(hook.id)
    _ = assert_type(deliveries, AsyncPaginator[WebhookDelivery])

    assert_type(await client.servers.list().collect(), list[Server])
    assert_type(await client.servers.metrics(server_id), ServerMetrics)
    assert_type(await client.org.get(), Organization)
    assert_type(await client.org.usage(), OrganizationUsage)
    assert_type(await client.org.api_keys.list().collect(), list[ApiKey])


async def receiving(client: Client, secret: str) -> None:
    receiver = WebhookReceiver(
        secret,
        tolerance=600,
        scheme=SignatureScheme(prefix=""),
        remember=50_000,
        header_timeout=5.0,
        body_timeout=30,
    )
    receiver.connect(client)
    assert_type(receiver.remembered, int)

    @receiver.on("deploy.*")
    async def on_deploy(event: WebhookEvent) -> None:
        if isinstance(event, DeployEvent):
            assert_type(event.task_id, UUID | None)

    async with receiver.serve(port=8080) as url:
        assert_type(url, str)
    headers = sign_payload(secret, b"{}")
    assert_type(headers, dict[str, str])
    verify_signature([secret, "whsec_old"], b"{}", headers, tolerance=None)


async def platform_models_where_ids_go(client: Client, project: Project, env: Environment) -> None:
    """Each platform model is accepted wherever the id it carries is taken."""
    assert_type(await client.projects.get(project), Project)
    assert_type(await client.environments.list(project), Page[Environment])
    assert_type(await client.environments.create(project, "qa"), Environment)
    backup = (await client.backups.list(env))[0]
    assert_type(await client.backups.get(backup), Backup)
    assert_type(await client.backups.restore(backup, confirm=True), ActionResult)
    server = (await client.servers.list())[0]
    assert_type(await client.servers.metrics(server), ServerMetrics)
    hook = await client.webhooks.create("https://hooks.example.com/oec", ["deploy.completed"])
    assert_type(await client.webhooks.get(hook), Webhook)
    assert_type(await client.webhooks.test(hook), WebhookTestResult)
    key = (await client.org.api_keys.list())[0]
    assert_type(key, ApiKey)
