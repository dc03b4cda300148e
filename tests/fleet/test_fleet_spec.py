"""Fleet calls validate their arguments at once and send nothing until used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from oec_async import Client, ClientClosedError, Environment, FleetRun
from oec_async.fleet import idempotency_key
from oec_async.fleet._spec import build_spec

KEY = "oec_live_rw_" + "k" * 43
A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"


@pytest.fixture
def client() -> Client:
    return Client(KEY, base_url="http://127.0.0.1:9/api/public/v1")


def test_a_fleet_call_returns_a_run_without_sending_anything(client: Client) -> None:
    run = client.fleet.deploy([A, B])  # the client is not even open
    assert isinstance(run, FleetRun)
    assert run.environment_ids == (UUID(A), UUID(B))
    assert run.report is None
    assert not run.done


async def test_using_a_run_of_a_client_that_is_not_open_raises(client: Client) -> None:
    with pytest.raises(ClientClosedError):
        await client.fleet.restart([A])


@pytest.mark.parametrize("method", ["deploy", "restart", "start", "stop"])
def test_every_action_validates_the_ids(client: Client, method: str) -> None:
    call: Callable[..., FleetRun] = getattr(client.fleet, method)
    with pytest.raises(ValueError, match=r"environments\[1\] must be a UUID, got 'nope'"):
        _ = call([A, "nope"])


def test_a_duplicate_environment_is_refused_with_both_positions(client: Client) -> None:
    with pytest.raises(ValueError, match=rf"{A} is listed twice \(positions 0 and 2\)"):
        _ = client.fleet.deploy([A, B, UUID(A)])


def test_a_single_id_instead_of_a_list_is_refused(client: Client) -> None:
    with pytest.raises(TypeError, match="not a single str"):
        _ = client.fleet.deploy(A)


def test_a_non_iterable_is_refused(client: Client) -> None:
    with pytest.raises(TypeError, match="iterable of ids"):
        _ = client.fleet.deploy(42)  # type: ignore[arg-type]


def test_environment_objects_give_their_project() -> None:
    project = uuid4()
    spec = build_spec("deploy", [Environment(id=UUID(A), project_id=project), B])
    assert spec.targets[0].project_id == project
    assert spec.targets[1].project_id is None
    assert [t.index for t in spec.targets] == [0, 1]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_parallel": 0}, ValueError, "max_parallel must be >= 1, got 0"),
        ({"max_parallel": True}, TypeError, "max_parallel must be an integer"),
        ({"max_parallel": 2.5}, TypeError, "max_parallel must be an integer"),
        ({"max_failures": 0}, ValueError, "max_failures must be >= 1"),
        ({"max_failures": "3"}, TypeError, "max_failures must be an integer"),
        ({"fail_fast": 1}, TypeError, "fail_fast must be True or False"),
        ({"fail_fast": True, "max_failures": 3}, ValueError, "fail_fast=True means max_failures=1"),
        ({"timeout": 0}, ValueError, "timeout must be a finite number of seconds > 0"),
        ({"timeout_per_environment": -1}, ValueError, "timeout_per_environment must be"),
        (
            {"on_conflict": "ignore"},
            ValueError,
            "on_conflict must be one of attach, wait_then_retry",
        ),
        ({"batch_id": ""}, ValueError, "batch_id must be 1..200 characters"),
        ({"batch_id": "x" * 201}, ValueError, "batch_id must be 1..200 characters"),
        ({"batch_id": 42}, TypeError, "batch_id must be a string"),
        ({"poll": 1.0}, TypeError, "poll must be a PollPolicy"),
        ({"on_event": "print"}, TypeError, "on_event must be callable"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(
    client: Client, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _ = client.fleet.stop([A], **kwargs)


def test_bad_module_names_are_refused(client: Client) -> None:
    with pytest.raises(ValueError, match="invalid module name"):
        _ = client.fleet.deploy([A], update_modules=["Sale-Custom"])


def test_fail_fast_means_one_failure() -> None:
    assert build_spec("deploy", [A], fail_fast=True).max_failures == 1
    assert build_spec("deploy", [A], fail_fast=True, max_failures=1).max_failures == 1
    assert build_spec("deploy", [A]).max_failures is None


def test_an_empty_fleet_is_allowed(client: Client) -> None:
    assert client.fleet.deploy([]).environment_ids == ()


def test_idempotency_keys_are_deterministic_per_batch_environment_and_action() -> None:
    key = idempotency_key("release-42", A, "deploy")
    assert key == idempotency_key("release-42", UUID(A), "deploy")
    assert UUID(key).version == 5
    others = {
        idempotency_key("release-43", A, "deploy"),
        idempotency_key("release-42", B, "deploy"),
        idempotency_key("release-42", A, "restart"),
    }
    assert key not in others
    assert len(others) == 3


def test_without_a_batch_id_each_run_has_its_own_keys() -> None:
    first, second = build_spec("deploy", [A]), build_spec("deploy", [A])
    assert first.key_for(first.targets[0]) != second.key_for(second.targets[0])


def test_with_a_batch_id_runs_share_their_keys() -> None:
    first = build_spec("deploy", [A], batch_id="b")
    second = build_spec("deploy", [A], batch_id="b")
    assert first.key_for(first.targets[0]) == second.key_for(second.targets[0])
    assert first.key_for(first.targets[0]) == idempotency_key("b", A, "deploy")
