"""Error bodies in the two documented envelopes."""

from __future__ import annotations

import uuid

import pytest

from .fake_support import Api

pytestmark = pytest.mark.oec_fake(error_style="top_level")


async def test_top_level_style_error_body(api: Api) -> None:
    reply = await api.get(f"/environments/{uuid.uuid4()}")
    assert reply.body == {"error": "not_found", "message": "Environment not found."}


@pytest.mark.oec_fake(error_style="top_level", dialect="docs")
async def test_top_level_style_validation_body_lists_field_and_message_in_the_docs(
    api: Api,
) -> None:
    reply = await api.get("/environments/x")
    assert reply.status == 422
    assert reply.body["error"] == "validation_error"
    assert reply.body["detail"] == [
        {"field": "env_id", "message": reply.body["detail"][0]["message"]}
    ]


@pytest.mark.oec_fake(error_style="top_level", dialect="live")
async def test_top_level_style_validation_body_is_fastapis_loc_list_live(api: Api) -> None:
    reply = await api.get("/environments/x")
    assert reply.status == 422
    assert set(reply.body) == {"detail"}
    assert reply.body["detail"][0]["loc"] == ["path", "env_id"]
    assert reply.body["detail"][0]["type"] == "uuid_parsing"


async def test_top_level_style_keeps_extras(api: Api) -> None:
    env_id = api.fake.environment_ids[0]
    first = await api.post(f"/environments/{env_id}/deploy")
    second = await api.post(f"/environments/{env_id}/deploy")
    assert second.body["task_id"] == first.body["task_id"]
    assert second.body["error"] == "task_in_progress"


@pytest.mark.oec_fake(error_style="detail")
async def test_detail_style_error_body(api: Api) -> None:
    reply = await api.get(f"/environments/{uuid.uuid4()}")
    assert reply.body == {"detail": {"error": "not_found", "message": "Environment not found."}}
