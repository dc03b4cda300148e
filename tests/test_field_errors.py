"""422 field errors in both shapes: the docs' ``{field, message}`` and the live ``{loc, msg}``."""

from __future__ import annotations

import json

import pytest

from oec_async import FieldError
from oec_async._core import parse_error_body, parse_field_error


def test_the_docs_shape_gives_field_and_message() -> None:
    error = parse_field_error({"field": "name", "message": "Field is required."})
    assert (error.field, error.name, error.message, error.type) == (
        "name",
        "name",
        "Field is required.",
        None,
    )


def test_the_live_shape_gives_the_dotted_location_message_and_type() -> None:
    error = parse_field_error({"loc": ["body", "name"], "msg": "Field required", "type": "missing"})
    assert (error.field, error.name, error.message, error.type) == (
        "body.name",
        "name",
        "Field required",
        "missing",
    )


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"loc": ["query", "limit"], "message": "too big"}, "query.limit", "too big"),
        ({"field": "domain", "msg": "bad host"}, "domain", "bad host"),
        ({"loc": "body.events", "msg": "too many"}, "body.events", "too many"),
        ({"loc": ["body", "events", 3], "msg": "unknown"}, "body.events.3", "unknown"),
        ({"msg": "something"}, "", "something"),
        ("name is bad", "", "name is bad"),
    ],
)
def test_mixtures_and_odd_items_are_read_without_raising(
    item: object, field: str, message: str
) -> None:
    error = parse_field_error(item)
    assert (error.field, error.message) == (field, message)


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("body.name", "name"),
        ("path.env_id", "env_id"),
        ("body.events.3", "events.3"),
        ("name", "name"),
        ("settings.name", "settings.name"),
        ("", ""),
    ],
)
def test_name_drops_only_the_request_part(field: str, name: str) -> None:
    assert FieldError(field, "x").name == name


def test_both_envelopes_give_the_same_names() -> None:
    docs = {
        "error": "validation_error",
        "message": "Request validation failed.",
        "detail": [{"field": "domain", "message": "bad host"}],
    }
    live = {"detail": [{"loc": ["body", "domain"], "msg": "bad host", "type": "value_error"}]}
    read = [parse_error_body(json.dumps(body).encode(), "Unprocessable") for body in (docs, live)]
    assert [[e.name for e in info.field_errors] for info in read] == [["domain"], ["domain"]]
    assert [info.code for info in read] == ["validation_error", "validation_error"]
