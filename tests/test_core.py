"""The sans-I/O core: error bodies, status errors, success bodies, rate-limit headers, redaction."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from oec_async import (
    APIStatusError,
    BadRequestError,
    FieldError,
    RateLimitSnapshot,
    ResponseValidationError,
    TaskInProgressError,
)
from oec_async._core import (
    build_status_error,
    decode_json_body,
    excerpt,
    parse_error_body,
    parse_rate_limit,
    redact,
)

TASK = "00000000-0000-4000-8000-000000000005"
KEY = "oec_live_rw_" + "s3cret" * 7


def body(data: object) -> bytes:
    return json.dumps(data).encode()


# --- parse_error_body: the five shapes of oec-api.md 3.1 ------------------------------------


def test_shape_1_nested_detail_object_gives_code_message_and_extras() -> None:
    info = parse_error_body(
        body({"detail": {"error": "task_in_progress", "message": "busy", "task_id": TASK}}),
        "Conflict",
    )
    assert info.code == "task_in_progress"
    assert info.message == "busy"
    assert info.details == {"task_id": TASK}
    assert info.field_errors == ()


def test_shape_1_keeps_every_extra_field() -> None:
    info = parse_error_body(
        body(
            {
                "detail": {
                    "error": "plan_feature_required",
                    "message": "upgrade",
                    "required_plan": "pro",
                    "current_plan": "starter",
                }
            }
        ),
        "Forbidden",
    )
    assert info.details == {"required_plan": "pro", "current_plan": "starter"}


def test_shape_2_fastapi_validation_list_gives_field_errors_with_dotted_locations() -> None:
    info = parse_error_body(
        body(
            {
                "detail": [
                    {"loc": ["body", "name"], "msg": "Field required", "type": "missing"},
                    {"loc": ["query", "limit"], "msg": "too big", "type": "less_than_equal"},
                ]
            }
        ),
        "Unprocessable Entity",
    )
    assert info.code == "validation_error"
    assert info.field_errors == (
        FieldError("body.name", "Field required", "missing"),
        FieldError("query.limit", "too big", "less_than_equal"),
    )


def test_shape_3_plain_string_detail_is_the_message() -> None:
    info = parse_error_body(body({"detail": "Backup is not in COMPLETED status"}), "Conflict")
    assert info.code is None
    assert info.message == "Backup is not in COMPLETED status"


def test_shape_4_subscription_block_uses_reason_as_the_code() -> None:
    info = parse_error_body(
        body(
            {
                "detail": {
                    "reason": "subscription_blocked",
                    "subscription_status": "past_due",
                    "message": "x",
                }
            }
        ),
        "Payment Required",
    )
    assert info.code == "subscription_blocked"
    assert info.message == "x"
    assert info.details["subscription_status"] == "past_due"


def test_shape_5_top_level_error_gives_code_and_message() -> None:
    info = parse_error_body(
        body({"error": "not_found", "message": "nope", "details": {}}), "Not Found"
    )
    assert info.code == "not_found"
    assert info.message == "nope"


def test_shape_5_extras_inside_details_are_readable_like_the_other_shapes() -> None:
    info = parse_error_body(
        body(
            {
                "error": "task_in_progress",
                "message": "busy",
                "details": {"task_id": TASK, "retry_after": 5},
            }
        ),
        "Conflict",
    )
    assert info.details["task_id"] == TASK
    assert info.details["retry_after"] == 5


def test_documented_generic_error_example_parses() -> None:
    # oec-api.md 5.1
    info = parse_error_body(
        body(
            {
                "error": "error_code",
                "message": "A human-readable description of what went wrong.",
            }
        ),
        "Bad Request",
    )
    assert info.code == "error_code"
    assert info.message == "A human-readable description of what went wrong."


def test_documented_validation_example_gives_field_and_message_pairs() -> None:
    # oec-api.md 5.2
    info = parse_error_body(
        body(
            {
                "error": "validation_error",
                "message": "Request body validation failed.",
                "detail": [
                    {"field": "name", "message": "Field is required."},
                    {"field": "webhook_url", "message": "Must be a valid HTTPS URL."},
                ],
            }
        ),
        "Bad Request",
    )
    assert info.code == "validation_error"
    assert info.message == "Request body validation failed."
    assert info.field_errors == (
        FieldError("name", "Field is required."),
        FieldError("webhook_url", "Must be a valid HTTPS URL."),
    )


def test_documented_429_body_carries_retry_after_in_details() -> None:
    # oec-api.md 5.3
    info = parse_error_body(
        body(
            {
                "error": "rate_limit_exceeded",
                "message": "Rate limit exceeded. You have made 20 requests in the last 60 "
                "seconds. Please wait before retrying.",
                "retry_after": 23,
            }
        ),
        "Too Many Requests",
    )
    assert info.code == "rate_limit_exceeded"
    assert info.details["retry_after"] == 23


def test_a_non_json_body_becomes_the_reason_with_an_excerpt() -> None:
    info = parse_error_body(b"<html><h1>502 Bad Gateway</h1></html>", "Bad Gateway")
    assert info.code is None
    assert info.message.startswith("Bad Gateway (non-JSON body: ")
    assert "502 Bad Gateway" in info.message


def test_an_empty_body_gives_the_reason_phrase() -> None:
    info = parse_error_body(b"", "Service Unavailable")
    assert info == parse_error_body(b"", "Service Unavailable")
    assert info.code is None
    assert info.message == "Service Unavailable"


def test_a_json_null_body_gives_the_reason_phrase() -> None:
    assert parse_error_body(b"null", "Internal Server Error").message == "Internal Server Error"


def test_a_json_array_body_is_reported_as_unexpected() -> None:
    info = parse_error_body(b'["a", "b"]', "Internal Server Error")
    assert info.code is None
    assert info.message.startswith("Internal Server Error (unexpected body: ")


def test_an_object_without_any_known_key_is_reported_as_unexpected() -> None:
    info = parse_error_body(b'{"oops": 1}', "Internal Server Error")
    assert "unexpected body" in info.message


def test_invalid_utf8_is_handled_as_non_json() -> None:
    info = parse_error_body(b"\xff\xfe\xfa not utf-8", "Bad Gateway")
    assert "non-JSON body" in info.message


def test_a_2mb_error_message_is_truncated() -> None:
    huge = "x" * (2 * 1024 * 1024)
    info = parse_error_body(body({"error": "boom", "message": huge}), "Internal Server Error")
    assert len(info.message) < 600
    assert info.message.endswith(f"... ({len(huge)} chars)")


def test_a_2mb_non_json_body_gives_a_short_excerpt() -> None:
    info = parse_error_body(b"<p>" + b"y" * (2 * 1024 * 1024), "Bad Gateway")
    assert len(info.message) < 300


def test_non_string_code_and_message_are_ignored() -> None:
    info = parse_error_body(body({"error": 5, "message": ["no"]}), "Bad Request")
    assert info.code is None
    assert info.message == "Bad Request"


def test_field_error_items_that_are_not_objects_are_kept_as_text() -> None:
    info = parse_error_body(body({"detail": ["name is bad"]}), "Unprocessable Entity")
    assert info.field_errors == (FieldError("", "name is bad"),)


# --- build_status_error ----------------------------------------------------------------------


def test_build_status_error_carries_everything_the_caller_needs() -> None:
    error = build_status_error(
        method="POST",
        path=f"/environments/{TASK}/deploy",
        status=409,
        reason="Conflict",
        headers={"X-Request-ID": "req-7"},
        body=body({"detail": {"error": "task_in_progress", "message": "busy", "task_id": TASK}}),
    )
    assert isinstance(error, TaskInProgressError)
    assert error.status == 409
    assert error.code == "task_in_progress"
    assert error.message == "busy"
    assert error.request_id == "req-7"
    assert error.method == "POST"
    assert error.path == f"/environments/{TASK}/deploy"
    assert error.task_id == UUID(TASK)


def test_build_status_error_uses_http_status_when_there_is_no_reason() -> None:
    error = build_status_error(method="GET", path="/x", status=500, reason="", headers={}, body=b"")
    assert error.message == "HTTP 500"


def test_build_status_error_message_names_method_path_status_and_code() -> None:
    error = build_status_error(
        method="GET",
        path="/environments/abc",
        status=400,
        reason="Bad Request",
        headers={},
        body=body(
            {
                "error": "validation_error",
                "message": "bad",
                "detail": [{"field": "name", "message": "required"}],
            }
        ),
    )
    assert isinstance(error, BadRequestError)
    assert str(error) == "GET /environments/abc -> 400 validation_error: bad; name: required"


def test_build_status_error_scrubs_the_key_from_message_and_field_errors() -> None:
    error = build_status_error(
        method="GET",
        path="/x",
        status=401,
        reason="Unauthorized",
        headers={},
        body=body(
            {
                "error": "invalid_key",
                "message": f"key {KEY} is unknown",
                "detail": [{"field": "auth", "message": f"got {KEY}"}],
            }
        ),
        secret=KEY,
    )
    assert KEY not in str(error)
    assert KEY not in error.message
    assert all(KEY not in f.message for f in error.field_errors)


@pytest.mark.parametrize("position", [0, 470, 490])
def test_a_key_at_the_truncation_point_is_not_leaked_in_part(position: int) -> None:
    secret = "plain-test-secret-0123456789abcdef"
    message = "m" * position + secret + "z" * 600
    error = build_status_error(
        method="GET",
        path="/x",
        status=500,
        reason="",
        headers={},
        body=body({"error": "boom", "message": message}),
        secret=secret,
    )
    assert secret[:8] not in str(error)


def test_a_key_in_a_non_json_error_body_near_the_excerpt_end_is_not_leaked_in_part() -> None:
    secret = "plain-test-secret-0123456789abcdef"
    error = build_status_error(
        method="GET",
        path="/x",
        status=502,
        reason="Bad Gateway",
        headers={},
        body=b"<p>" + b"a" * 185 + secret.encode() + b"</p>",
        secret=secret,
    )
    assert secret[:8] not in str(error)


# --- decode_json_body ------------------------------------------------------------------------


def test_a_json_body_is_decoded() -> None:
    assert decode_json_body(b'{"a": [1, 2]}', method="GET", path="/x", status=200) == {"a": [1, 2]}


def test_an_empty_success_body_is_none() -> None:
    assert decode_json_body(b"", method="DELETE", path="/x", status=204) is None


def test_an_html_success_body_raises_response_validation_error_with_an_excerpt() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode_json_body(
            b"<html><body>Welcome to nginx</body></html>", method="GET", path="/x", status=200
        )
    assert caught.value.status == 200
    assert "Welcome to nginx" in caught.value.excerpt
    assert "GET /x -> 200" in str(caught.value)


def test_truncated_json_raises_response_validation_error() -> None:
    with pytest.raises(ResponseValidationError, match="expected a JSON body"):
        decode_json_body(b'{"id": "abc", "sta', method="GET", path="/x", status=200)


def test_the_excerpt_of_a_bad_body_is_short_and_scrubbed() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        decode_json_body(
            b"<html>" + KEY.encode() + b"x" * 5000, method="GET", path="/x", status=200, secret=KEY
        )
    assert KEY not in str(caught.value)
    assert len(caught.value.excerpt) <= 210


# --- excerpt ---------------------------------------------------------------------------------


def test_excerpt_collapses_whitespace_and_marks_truncation() -> None:
    assert excerpt(b"a \r\n\t b" + b"c" * 300, limit=10) == "a bccccccc..."


# --- parse_rate_limit ------------------------------------------------------------------------


def test_rate_limit_headers_become_a_snapshot() -> None:
    headers = {
        "X-RateLimit-Limit": "120",
        "X-RateLimit-Remaining": "87",
        "X-RateLimit-Window": "60",
        "X-RateLimit-Reset": "13",
    }
    assert parse_rate_limit(headers, "read") == RateLimitSnapshot(
        limit=120, remaining=87, window=60.0, reset=13.0, bucket="read"
    )


def test_a_response_without_rate_limit_headers_gives_no_snapshot() -> None:
    assert parse_rate_limit({"X-RateLimit-Window": "60"}, "read") is None


def test_only_remaining_is_enough_for_a_snapshot() -> None:
    snapshot = parse_rate_limit({"X-RateLimit-Remaining": "3"}, "write")
    assert snapshot == RateLimitSnapshot(remaining=3, bucket="write")


def test_unreadable_rate_limit_values_are_none() -> None:
    snapshot = parse_rate_limit(
        {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "5", "X-RateLimit-Window": "?"},
        "read",
    )
    assert snapshot == RateLimitSnapshot(remaining=5, bucket="read")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999"])
def test_non_finite_rate_limit_values_are_ignored_instead_of_crashing(value: str) -> None:
    snapshot = parse_rate_limit(
        {
            "X-RateLimit-Limit": value,
            "X-RateLimit-Remaining": "5",
            "X-RateLimit-Window": value,
            "X-RateLimit-Reset": value,
        },
        "read",
    )
    assert snapshot == RateLimitSnapshot(remaining=5, bucket="read")


def test_fractional_limits_are_truncated_to_integers() -> None:
    snapshot = parse_rate_limit({"X-RateLimit-Limit": "20.0"}, "write")
    assert snapshot is not None
    assert snapshot.limit == 20


# --- redact ----------------------------------------------------------------------------------


def test_redact_removes_the_configured_secret() -> None:
    assert redact("token=abc123 and abc123", "abc123") == "token=[redacted] and [redacted]"


def test_redact_removes_anything_shaped_like_an_api_key() -> None:
    text = "keys oec_live_ro_ABC-def_123 and oec_live_rw_zzz"
    assert redact(text) == "keys oec_live_[redacted] and oec_live_[redacted]"


def test_redact_leaves_ordinary_text_alone() -> None:
    assert redact("GET /environments -> 404", "secret") == "GET /environments -> 404"


def test_redact_with_an_empty_secret_changes_nothing_else() -> None:
    assert redact("hello", "") == "hello"


def test_api_status_error_is_the_base_of_what_build_status_error_returns() -> None:
    error = build_status_error(
        method="GET", path="/x", status=418, reason="I'm a teapot", headers={}, body=b""
    )
    assert type(error) is APIStatusError
    assert error.status == 418
