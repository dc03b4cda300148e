"""``client.deployments`` against aioresponses: get, paged history, wait and watch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from aioresponses import aioresponses
from support import API_KEY, BASE_URL, ENV_ID, TASK_ID, deployment_json, url
from yarl import URL

from oec_async import (
    ActionResult,
    Client,
    Deployment,
    DeploymentFailedError,
    Environment,
    NotFoundError,
    Page,
    PaginationError,
    PollPolicy,
    ResponseValidationError,
    TaskStatus,
    WaitTimeoutError,
)

TASK_PATH = f"/deployments/{TASK_ID}"
HISTORY_PATH = f"/environments/{ENV_ID}/deployments"
INSTANT = PollPolicy(initial_interval=0.0, max_interval=0.0, jitter=0.0)
QUICK = PollPolicy(initial_interval=0.005, max_interval=0.005, jitter=0.0)


def task_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def history_url(*, limit: int = 20, cursor: str | None = None) -> str:
    query: dict[str, str | int] = {"limit": limit}
    if cursor is not None:
        query["cursor"] = cursor
    return str(URL(url(HISTORY_PATH)).with_query(query))


def history_page(ids: range, cursor: str | None, *, total: int | None = None) -> dict[str, Any]:
    return {
        "data": [deployment_json("completed", id=task_id(n)) for n in ids],
        "pagination": {"has_more": cursor is not None, "next_cursor": cursor, "total": total},
    }


def asked(mocked: aioresponses, path: str) -> list[dict[str, str]]:
    wanted = URL(url(path)).path
    return [dict(u.query) for (m, u), cs in mocked.requests.items() if u.path == wanted for _ in cs]


def polls(mocked: aioresponses, *states: dict[str, Any]) -> None:
    """Answer successive polls of TASK_ID with ``states``, the last one forever."""
    for state in states[:-1]:
        mocked.get(url(TASK_PATH), payload=state)
    mocked.get(url(TASK_PATH), payload=states[-1], repeat=True)


def poll_count(mocked: aioresponses) -> int:
    return len(mocked.requests.get(("GET", URL(url(TASK_PATH))), []))


# --- get -------------------------------------------------------------------------------------


async def test_get_returns_every_field_of_the_task(client: Client, mocked: aioresponses) -> None:
    mocked.get(
        url(TASK_PATH),
        payload=deployment_json(
            "failed",
            completed_at="2026-10-01T00:04:32Z",
            duration_seconds=272,
            error_message="migration failed",
        ),
    )
    d = await client.deployments.get(TASK_ID)
    assert d.id == UUID(TASK_ID)
    assert d.type == "deploy"
    assert d.status is TaskStatus.FAILED
    assert d.environment_id == UUID(ENV_ID)
    assert d.progress_percent == 40
    assert d.current_step == "build"
    assert (d.steps_completed, d.total_steps) == (2, 5)
    assert d.started_at is not None
    assert d.completed_at is not None
    assert (d.completed_at - d.started_at).total_seconds() == 272
    assert d.duration_seconds == 272
    assert d.error_message == "migration failed"


async def test_get_accepts_a_uuid_or_the_action_result(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json(), repeat=True)
    action = ActionResult(task_id=UUID(TASK_ID))
    assert (await client.deployments.get(UUID(TASK_ID))).id == UUID(TASK_ID)
    assert (await client.deployments.get(action)).id == UUID(TASK_ID)


async def test_get_accepts_a_deployment_read_earlier(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json())
    earlier = Deployment(id=UUID(TASK_ID), status=TaskStatus.RUNNING)
    assert (await client.deployments.get(earlier)).id == UUID(TASK_ID)


async def test_list_accepts_the_environment_itself(client: Client, mocked: aioresponses) -> None:
    three_pages(mocked)
    page = await client.deployments.list(Environment(id=UUID(ENV_ID), name="staging"))
    assert len(page) == 3
    assert asked(mocked, HISTORY_PATH) == [{"limit": "20"}]


async def test_get_refuses_a_non_uuid_before_any_request(
    client: Client, mocked: aioresponses
) -> None:
    with pytest.raises(ValueError, match="task_id must be a UUID"):
        await client.deployments.get("latest")
    assert mocked.requests == {}


async def test_get_of_an_unknown_task_is_not_found(client: Client, mocked: aioresponses) -> None:
    mocked.get(
        url(TASK_PATH),
        status=404,
        payload={"detail": {"error": "not_found", "message": "Resource not found."}},
    )
    with pytest.raises(NotFoundError, match=f"GET {TASK_PATH} -> 404 not_found"):
        await client.deployments.get(TASK_ID)


async def test_a_task_with_an_unknown_status_is_tolerated(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json("rolling_back"))
    d = await client.deployments.get(TASK_ID)
    assert d.status == "rolling_back"
    assert not d.is_terminal


async def test_a_task_with_extra_fields_is_read(client: Client, mocked: aioresponses) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json(worker="w-7", logs_url="https://x"))
    assert (await client.deployments.get(TASK_ID)).current_step == "build"


async def test_a_task_with_a_wrong_type_names_the_path(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json(progress_percent="forty"))
    with pytest.raises(
        ResponseValidationError, match=r"expected a number, got string @ \$\.progress_percent"
    ):
        await client.deployments.get(TASK_ID)


# --- list ------------------------------------------------------------------------------------


def three_pages(mocked: aioresponses, limit: int = 20) -> None:
    mocked.get(history_url(limit=limit), payload=history_page(range(1, 4), "c1", total=8))
    mocked.get(
        history_url(limit=limit, cursor="c1"), payload=history_page(range(4, 7), "c2", total=8)
    )
    mocked.get(
        history_url(limit=limit, cursor="c2"), payload=history_page(range(7, 9), None, total=8)
    )


async def test_list_follows_next_cursor_over_every_page(
    client: Client, mocked: aioresponses
) -> None:
    three_pages(mocked, limit=50)
    ids = [d.id async for d in client.deployments.list(ENV_ID, limit=50)]
    assert ids == [UUID(task_id(n)) for n in range(1, 9)]
    assert asked(mocked, HISTORY_PATH) == [
        {"limit": "50"},
        {"limit": "50", "cursor": "c1"},
        {"limit": "50", "cursor": "c2"},
    ]


async def test_list_does_no_io_until_used(client: Client, mocked: aioresponses) -> None:
    _ = client.deployments.list(ENV_ID)
    assert mocked.requests == {}


async def test_awaiting_list_gives_the_first_page(client: Client, mocked: aioresponses) -> None:
    three_pages(mocked)
    page = await client.deployments.list(ENV_ID)
    assert isinstance(page, Page)
    assert len(page) == 3
    assert page.next_cursor == "c1"
    assert page.pagination.total == 8
    assert asked(mocked, HISTORY_PATH) == [{"limit": "20"}]


async def test_pages_gives_each_page_with_its_cursor(client: Client, mocked: aioresponses) -> None:
    three_pages(mocked)
    pages = [page async for page in client.deployments.list(ENV_ID).pages()]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [p.next_cursor for p in pages] == ["c1", "c2", None]


async def test_an_early_break_costs_at_most_the_page_fetched_ahead(
    client: Client, mocked: aioresponses
) -> None:
    three_pages(mocked)
    async for d in client.deployments.list(ENV_ID):
        if d.id == UUID(task_id(2)):
            break
    requests = asked(mocked, HISTORY_PATH)
    assert requests[0] == {"limit": "20"}
    assert requests[1:] in ([], [{"limit": "20", "cursor": "c1"}])


async def test_without_prefetch_an_early_break_sends_no_further_request(
    mocked: aioresponses,
) -> None:
    three_pages(mocked)
    async with Client(API_KEY, base_url=BASE_URL, prefetch_pages=False) as client:
        async for d in client.deployments.list(ENV_ID):
            if d.id == UUID(task_id(2)):
                break
    assert asked(mocked, HISTORY_PATH) == [{"limit": "20"}]


async def test_max_items_stops_the_iteration(client: Client, mocked: aioresponses) -> None:
    three_pages(mocked)
    items = await client.deployments.list(ENV_ID, max_items=5).collect()
    assert [d.id for d in items] == [UUID(task_id(n)) for n in range(1, 6)]
    assert len(asked(mocked, HISTORY_PATH)) == 2


async def test_list_can_start_from_a_saved_cursor(client: Client, mocked: aioresponses) -> None:
    three_pages(mocked)
    first = await client.deployments.list(ENV_ID)
    assert first.next_cursor is not None
    rest = [d.id async for d in client.deployments.list(ENV_ID, cursor=first.next_cursor)]
    assert rest == [UUID(task_id(n)) for n in range(4, 9)]


async def test_a_repeated_cursor_raises_pagination_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(history_url(), payload=history_page(range(1, 3), "c1"))
    mocked.get(history_url(cursor="c1"), payload=history_page(range(3, 5), "c1"))
    with pytest.raises(PaginationError, match="twice"):
        await client.deployments.list(ENV_ID).collect()
    assert len(asked(mocked, HISTORY_PATH)) == 2


async def test_has_more_false_ends_the_list_even_with_a_cursor(
    client: Client, mocked: aioresponses
) -> None:
    body = history_page(range(1, 3), None)
    body["pagination"] = {"has_more": False, "next_cursor": "stale", "total": 2}
    mocked.get(history_url(), payload=body)
    assert len(await client.deployments.list(ENV_ID).collect()) == 2


async def test_a_page_without_pagination_is_the_last(client: Client, mocked: aioresponses) -> None:
    mocked.get(history_url(), payload={"data": [deployment_json()]})
    assert len(await client.deployments.list(ENV_ID).collect()) == 1


@pytest.mark.parametrize("limit", [0, 101, -5])
def test_list_refuses_a_limit_outside_1_to_100(client: Client, limit: int) -> None:
    with pytest.raises(ValueError, match=r"limit must be within 1\.\.100"):
        _ = client.deployments.list(ENV_ID, limit=limit)


@pytest.mark.parametrize("limit", [1, 100])
async def test_list_accepts_the_limit_bounds(
    client: Client, mocked: aioresponses, limit: int
) -> None:
    mocked.get(history_url(limit=limit), payload=history_page(range(1, 2), None))
    assert len(await client.deployments.list(ENV_ID, limit=limit)) == 1


def test_list_refuses_a_non_uuid_environment(client: Client) -> None:
    with pytest.raises(ValueError, match="environment_id must be a UUID"):
        _ = client.deployments.list("prod")


def test_list_refuses_a_negative_max_items(client: Client) -> None:
    with pytest.raises(ValueError, match="max_items"):
        _ = client.deployments.list(ENV_ID, max_items=-1)


async def test_a_plain_array_instead_of_the_envelope_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(history_url(), payload=[deployment_json()])
    with pytest.raises(
        ResponseValidationError, match="expected a JSON object with a 'data' array, got an array"
    ):
        await client.deployments.list(ENV_ID)


async def test_a_bad_item_in_a_page_is_named_by_its_index(
    client: Client, mocked: aioresponses
) -> None:
    body = history_page(range(1, 3), None)
    body["data"][1]["id"] = "oops"
    mocked.get(history_url(), payload=body)
    with pytest.raises(ResponseValidationError, match=r"\$\[1\]\.id"):
        await client.deployments.list(ENV_ID)


async def test_a_malformed_pagination_object_is_a_response_validation_error(
    client: Client, mocked: aioresponses
) -> None:
    body = history_page(range(1, 2), None)
    body["pagination"] = {"has_more": "yes"}
    mocked.get(history_url(), payload=body)
    with pytest.raises(ResponseValidationError, match=r"\$\.has_more"):
        await client.deployments.list(ENV_ID)


# --- wait ------------------------------------------------------------------------------------


async def test_wait_returns_the_terminal_deployment(client: Client, mocked: aioresponses) -> None:
    polls(
        mocked,
        deployment_json("queued"),
        deployment_json("running"),
        deployment_json("completed", progress_percent=100),
    )
    final = await client.deployments.wait(TASK_ID, poll=INSTANT)
    assert final.status is TaskStatus.COMPLETED
    assert final.succeeded
    assert poll_count(mocked) == 3


async def test_wait_accepts_the_action_result(client: Client, mocked: aioresponses) -> None:
    polls(mocked, deployment_json("completed"))
    final = await client.deployments.wait(ActionResult(task_id=UUID(TASK_ID)), poll=INSTANT)
    assert final.id == UUID(TASK_ID)


async def test_wait_uses_the_clients_poll_policy_by_default(
    client: Client, mocked: aioresponses
) -> None:
    polls(mocked, deployment_json("running"), deployment_json("completed"))
    assert (await client.deployments.wait(TASK_ID)).succeeded


@pytest.mark.parametrize("status", ["failed", "cancelled"])
async def test_wait_returns_a_failed_task_by_default(
    client: Client, mocked: aioresponses, status: str
) -> None:
    polls(mocked, deployment_json("running"), deployment_json(status, error_message="boom"))
    final = await client.deployments.wait(TASK_ID, poll=INSTANT)
    assert final.status == status
    assert not final.succeeded


@pytest.mark.parametrize("status", ["failed", "cancelled"])
async def test_wait_raises_on_failure_when_asked_carrying_the_deployment(
    client: Client, mocked: aioresponses, status: str
) -> None:
    polls(
        mocked, deployment_json("running"), deployment_json(status, error_message="migration broke")
    )
    with pytest.raises(DeploymentFailedError, match=f"ended {status}: migration broke") as caught:
        await client.deployments.wait(TASK_ID, poll=INSTANT, raise_on_failure=True)
    assert isinstance(caught.value.deployment, Deployment)
    assert caught.value.deployment.status == status
    assert caught.value.deployment.error_message == "migration broke"


async def test_wait_with_raise_on_failure_returns_a_success(
    client: Client, mocked: aioresponses
) -> None:
    polls(mocked, deployment_json("completed"))
    assert (await client.deployments.wait(TASK_ID, poll=INSTANT, raise_on_failure=True)).succeeded


async def test_wait_times_out_carrying_the_last_deployment(
    client: Client, mocked: aioresponses
) -> None:
    polls(
        mocked,
        deployment_json("queued"),
        deployment_json("running", progress_percent=70, current_step="migrate"),
    )
    with pytest.raises(
        WaitTimeoutError, match=r"not finished after 0\.05s; last status running"
    ) as caught:
        await client.deployments.wait(TASK_ID, timeout=0.05, poll=QUICK)
    last = caught.value.last
    assert last is not None
    assert last.progress_percent == 70
    assert last.current_step == "migrate"
    assert caught.value.task_id == TASK_ID


async def test_a_wait_timeout_is_a_builtin_timeout_error(
    client: Client, mocked: aioresponses
) -> None:
    polls(mocked, deployment_json("running"))
    with pytest.raises(TimeoutError):
        await client.deployments.wait(TASK_ID, timeout=0.02, poll=QUICK)


async def test_wait_keeps_polling_through_an_unknown_status(
    client: Client, mocked: aioresponses
) -> None:
    polls(mocked, deployment_json("warming_up"), deployment_json("completed"))
    assert (await client.deployments.wait(TASK_ID, poll=INSTANT)).succeeded


async def test_an_error_while_polling_reaches_the_caller(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json("running"))
    mocked.get(url(TASK_PATH), status=404, payload={"detail": "Not Found"})
    with pytest.raises(NotFoundError):
        await client.deployments.wait(TASK_ID, poll=INSTANT)


async def test_a_poll_that_is_retried_does_not_end_the_wait(
    client: Client, mocked: aioresponses
) -> None:
    mocked.get(url(TASK_PATH), payload=deployment_json("running"))
    mocked.get(url(TASK_PATH), status=503, body="")
    mocked.get(url(TASK_PATH), payload=deployment_json("completed"))
    assert (await client.deployments.wait(TASK_ID, poll=INSTANT)).succeeded


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
async def test_wait_refuses_a_bad_timeout_before_any_request(
    client: Client, mocked: aioresponses, bad: float
) -> None:
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds > 0"):
        await client.deployments.wait(TASK_ID, timeout=bad)
    assert mocked.requests == {}


async def test_wait_without_a_deadline_is_allowed(client: Client, mocked: aioresponses) -> None:
    polls(mocked, deployment_json("completed"))
    assert (await client.deployments.wait(TASK_ID, timeout=None, poll=INSTANT)).succeeded


async def test_wait_refuses_a_non_uuid_before_any_request(
    client: Client, mocked: aioresponses
) -> None:
    with pytest.raises(ValueError, match="task_id must be a UUID"):
        await client.deployments.wait("abc")
    assert mocked.requests == {}


# --- watch -----------------------------------------------------------------------------------


async def test_watch_yields_each_change_and_ends_at_the_terminal_one(
    client: Client, mocked: aioresponses
) -> None:
    polls(
        mocked,
        deployment_json("queued", progress_percent=0, current_step=None),
        deployment_json("queued", progress_percent=0, current_step=None),
        deployment_json("running", progress_percent=20, current_step="pull"),
        deployment_json("running", progress_percent=20, current_step="pull"),
        deployment_json("running", progress_percent=60, current_step="build"),
        deployment_json("running", progress_percent=60, current_step="migrate"),
        deployment_json("completed", progress_percent=100, current_step="done"),
    )
    seen = [
        (d.status, d.progress_percent, d.current_step)
        async for d in client.deployments.watch(TASK_ID, poll=INSTANT)
    ]
    assert seen == [
        (TaskStatus.QUEUED, 0, None),
        (TaskStatus.RUNNING, 20, "pull"),
        (TaskStatus.RUNNING, 60, "build"),
        (TaskStatus.RUNNING, 60, "migrate"),
        (TaskStatus.COMPLETED, 100, "done"),
    ]
    assert poll_count(mocked) == 7


async def test_watch_of_a_finished_task_yields_it_once(
    client: Client, mocked: aioresponses
) -> None:
    polls(mocked, deployment_json("failed"))
    assert [d.status async for d in client.deployments.watch(TASK_ID, poll=INSTANT)] == [
        TaskStatus.FAILED
    ]
    assert poll_count(mocked) == 1


async def test_watch_sends_no_request_until_iterated(client: Client, mocked: aioresponses) -> None:
    _ = client.deployments.watch(TASK_ID)
    assert mocked.requests == {}


async def test_watch_times_out_like_wait(client: Client, mocked: aioresponses) -> None:
    polls(mocked, deployment_json("running"))
    seen: list[Deployment] = []

    async def follow() -> None:
        async for d in client.deployments.watch(TASK_ID, timeout=0.05, poll=QUICK):
            seen.append(d)

    with pytest.raises(WaitTimeoutError):
        await follow()
    assert [d.status for d in seen] == [TaskStatus.RUNNING]
