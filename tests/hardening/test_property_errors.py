"""Property: any error answer becomes one of our documented exceptions, and never shows the key.

Bodies are arbitrary bytes, arbitrary JSON, and each of the API's five error shapes filled with
arbitrary values; statuses are any 4xx/5xx. The key is planted everywhere the server could echo
it: the message, the code, field names, field messages, the reason phrase, the request id.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import pytest
from aioresponses import aioresponses
from hardening_support import (
    API_KEY,
    BASE_URL,
    ENV_ID,
    PLAIN_KEY,
    PROPERTY,
    PROPERTY_IO,
    fast_client,
)
from hypothesis import given, strategies as st

from oec_async import APIStatusError, OECError, ResponseValidationError
from oec_async._core import build_status_error, decode_json_body, parse_error_body, parse_rate_limit
from oec_async._exceptions import STATUS_ERRORS

SECRETS = (API_KEY, PLAIN_KEY)

# Strings the server could send back: ordinary text, or text that carries a key.
_texts = st.text(max_size=40)
_leaky = st.one_of(
    _texts,
    st.sampled_from(SECRETS),
    st.tuples(_texts, st.sampled_from(SECRETS), _texts).map("".join),
)
_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    _leaky,
)
json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_leaky, inner, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "error",
        "message",
        "detail",
        "reason",
        "retry_after",
        "task_id",
        "loc",
        "msg",
        "field",
        "type",
    ]
)
# Objects biased towards the keys our parser looks at, so the interesting branches are reached.
error_objects = st.dictionaries(_keys | _leaky, json_values, max_size=6)
error_shapes = st.one_of(
    error_objects.map(lambda obj: {"detail": obj}),
    st.lists(error_objects, max_size=4).map(lambda items: {"detail": items}),
    _leaky.map(lambda text: {"detail": text}),
    error_objects,
    json_values,
)
statuses = st.integers(min_value=400, max_value=599)


def _bytes_with_secret() -> st.SearchStrategy[bytes]:
    secret = st.sampled_from(SECRETS).map(str.encode)
    return st.tuples(st.binary(max_size=300), secret, st.binary(max_size=300)).map(b"".join)


bodies = st.one_of(
    st.binary(max_size=600),
    _bytes_with_secret(),
    error_shapes.map(lambda v: json.dumps(v).encode()),
    error_shapes.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
)


def _everything_shown(error: BaseException) -> str:
    parts = [str(error), repr(error), *map(str, error.args)]
    if isinstance(error, APIStatusError):
        parts += [error.message, str(error.code), str(error.request_id)]
        parts += [f"{f.field} {f.message} {f.type}" for f in error.field_errors]
    return "\n".join(parts)


@PROPERTY
@given(status=statuses, body=bodies, reason=_leaky, request_id=st.none() | _leaky)
def test_any_error_answer_maps_to_a_status_error_without_the_key(
    status: int, body: bytes, reason: str, request_id: str | None
) -> None:
    headers = {} if request_id is None else {"X-Request-ID": request_id}
    for secret in SECRETS:
        error = build_status_error(
            method="GET",
            path="/environments/x",
            status=status,
            reason=reason,
            headers=headers,
            body=body,
            secret=secret,
        )
        assert isinstance(error, APIStatusError)
        assert error.status == status
        expected = STATUS_ERRORS.get(status, APIStatusError)
        assert isinstance(error, expected) or status >= 500
        shown = _everything_shown(error)
        assert secret not in shown
        assert len(str(error)) < 4_000, "a huge body must be truncated in the message"


@PROPERTY
@given(body=bodies, fallback=st.text(max_size=20))
def test_error_body_parsing_never_raises(body: bytes, fallback: str) -> None:
    info = parse_error_body(body, fallback)
    assert isinstance(info.message, str)
    assert info.code is None or isinstance(info.code, str)


@PROPERTY
@given(body=bodies, status=st.sampled_from([200, 201, 202]))
def test_success_body_decoding_raises_only_response_validation_error(
    body: bytes, status: int
) -> None:
    for secret in SECRETS:
        error = _decode_error(body, status, secret)
        if error is not None:
            assert secret not in _everything_shown(error)
            assert len(str(error)) < 1_000


def _decode_error(body: bytes, status: int, secret: str) -> ResponseValidationError | None:
    try:
        decode_json_body(body, method="GET", path="/p", status=status, secret=secret)
    except ResponseValidationError as error:
        return error
    return None


_header_values = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["inf", "-inf", "nan", "1e999", "-1e999", "1e308", "0", "-5", "2.5", "1790000000"]
    ),
    st.integers().map(str),
    st.floats().map(str),
)
_rate_headers = st.dictionaries(
    st.sampled_from(
        ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Window", "X-RateLimit-Reset"]
    ),
    _header_values,
)


@PROPERTY
@given(headers=_rate_headers, bucket=st.sampled_from(["read", "write"]))
def test_rate_limit_headers_never_crash_and_give_finite_numbers(
    headers: dict[str, str], bucket: str
) -> None:
    snapshot = parse_rate_limit(headers, bucket)
    if snapshot is None:
        return
    for value in (snapshot.limit, snapshot.remaining, snapshot.window, snapshot.reset):
        assert value is None or math.isfinite(value)
    assert snapshot.reset is None or snapshot.reset >= 0


# --- end to end: the same answers through the whole client ----------------------------------

_documented = (OECError,)


async def _call_with_answer(
    key: str, status: int, body: bytes, headers: dict[str, str]
) -> BaseException | None:
    async with fast_client(BASE_URL, key=key, retry=0) as client:
        with aioresponses() as mocked:
            mocked.get(
                f"{BASE_URL}/environments/{ENV_ID}", status=status, body=body, headers=headers
            )
            try:
                await client.environments.get(ENV_ID)
            except Exception as error:
                return error
    return None


@PROPERTY_IO
@given(
    status=st.sampled_from([200, 202, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503]),
    body=bodies | json_values.map(lambda v: json.dumps(v).encode()),
    retry_after=st.none()
    | st.sampled_from(["0", "abc", "-3", "inf", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT"]),
)
@pytest.mark.usefixtures("_aioresponses_compat")
def test_any_answer_through_the_client_raises_only_documented_errors(
    status: int, body: bytes, retry_after: str | None
) -> None:
    headers: dict[str, Any] = {"X-RateLimit-Limit": "inf", "X-RateLimit-Remaining": "nan"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    for key in SECRETS:
        error = asyncio.run(_call_with_answer(key, status, body, headers))
        if status >= 300:
            assert isinstance(error, APIStatusError)
        if error is not None:
            assert isinstance(error, _documented), f"undocumented {type(error).__name__}: {error}"
            assert key not in _everything_shown(error)
