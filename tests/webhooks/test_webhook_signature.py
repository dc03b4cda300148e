"""Signing and verifying deliveries: valid, tampered, stale, missing, and the scheme options."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math

import pytest

from oec_async.webhooks import (
    DEFAULT_SCHEME,
    SignatureScheme,
    WebhookReceiver,
    WebhookSignatureError,
    compute_signature,
    sign_payload,
    verify_signature,
)

SECRET = "whsec_test_secret"
BODY = b'{"event":"deploy.completed","data":{"task_id":"t"}}'
NOW = 1_790_000_000


def reason(excinfo: pytest.ExceptionInfo[WebhookSignatureError]) -> str:
    return excinfo.value.reason


def test_the_default_scheme_is_a_prefixed_hex_hmac_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert compute_signature(SECRET, BODY) == expected
    headers = sign_payload(SECRET, BODY, timestamp=NOW)
    assert headers == {"X-OEC-Signature": expected, "X-OEC-Timestamp": str(NOW)}


def test_a_valid_signature_passes() -> None:
    verify_signature(SECRET, BODY, sign_payload(SECRET, BODY, timestamp=NOW), now=NOW + 10)


def test_header_names_are_case_insensitive_and_the_prefix_optional() -> None:
    signature = compute_signature(SECRET, BODY).removeprefix("sha256=").upper()
    headers = {"x-oec-signature": signature, "x-oec-timestamp": str(NOW)}
    verify_signature(SECRET, BODY, headers, now=NOW)


@pytest.mark.parametrize("tampered", [BODY + b" ", BODY.replace(b"completed", b"failed"), b""])
def test_a_tampered_body_is_refused(tampered: bytes) -> None:
    headers = sign_payload(SECRET, BODY, timestamp=NOW)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(SECRET, tampered, headers, now=NOW)
    assert reason(caught) == "mismatch"


def test_another_secret_is_refused_and_the_message_leaks_nothing() -> None:
    headers = sign_payload("whsec_other", BODY, timestamp=NOW)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(SECRET, BODY, headers, now=NOW)
    assert reason(caught) == "mismatch"
    assert SECRET not in str(caught.value)
    assert compute_signature(SECRET, BODY) not in str(caught.value)


@pytest.mark.parametrize("age", [301, -301, 86_400])
def test_a_stale_or_future_timestamp_is_refused(age: int) -> None:
    headers = sign_payload(SECRET, BODY, timestamp=NOW)
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(SECRET, BODY, headers, now=NOW + age)
    assert reason(caught) == "stale"


def test_the_tolerance_is_configurable_and_can_be_turned_off() -> None:
    headers = sign_payload(SECRET, BODY, timestamp=NOW)
    verify_signature(SECRET, BODY, headers, now=NOW + 3000, tolerance=3600)
    verify_signature(SECRET, BODY, headers, now=NOW + 10**6, tolerance=None)
    without_timestamp = {"X-OEC-Signature": headers["X-OEC-Signature"]}
    verify_signature(SECRET, BODY, without_timestamp, tolerance=None)
    with pytest.raises(ValueError, match="tolerance"):
        verify_signature(SECRET, BODY, headers, tolerance=-1)


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({}, "missing_signature"),
        ({"X-OEC-Signature": "  ", "X-OEC-Timestamp": str(NOW)}, "missing_signature"),
        ({"X-OEC-Signature": "sha256=zz", "X-OEC-Timestamp": str(NOW)}, "malformed_signature"),
        (
            {"X-OEC-Signature": "sha256=" + "a" * 5000, "X-OEC-Timestamp": str(NOW)},
            "malformed_signature",
        ),
        ({"X-OEC-Signature": "sha256=00"}, "missing_timestamp"),
        ({"X-OEC-Signature": "sha256=00", "X-OEC-Timestamp": "yesterday"}, "malformed_timestamp"),
        ({"X-OEC-Signature": "sha256=00", "X-OEC-Timestamp": "-5"}, "malformed_timestamp"),
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str], problem: str) -> None:
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(SECRET, BODY, headers, now=NOW)
    assert reason(caught) == problem


def test_any_of_several_secrets_or_signatures_may_match() -> None:
    old, new = "whsec_old", "whsec_new"
    headers = sign_payload(new, BODY, timestamp=NOW)
    verify_signature([old, new], BODY, headers, now=NOW)
    both = f"{compute_signature(old, BODY)}, {compute_signature(new, BODY)}"
    verify_signature(new, BODY, {"X-OEC-Signature": both, "X-OEC-Timestamp": str(NOW)}, now=NOW)
    with pytest.raises(WebhookSignatureError):
        verify_signature(["whsec_x", "whsec_y"], BODY, headers, now=NOW)


def test_a_bytes_secret_equals_its_utf8_string() -> None:
    headers = sign_payload(SECRET.encode(), BODY, timestamp=NOW)
    verify_signature(SECRET, BODY, headers, now=NOW)


def test_a_scheme_signing_the_timestamp_authenticates_it() -> None:
    scheme = SignatureScheme(
        signature_header="Webhook-Signature",
        timestamp_header="Webhook-Timestamp",
        signed_content="timestamp.body",
        prefix="v1=",
        encoding="base64",
    )
    headers = sign_payload(SECRET, BODY, timestamp=NOW, scheme=scheme)
    digest = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).digest()
    assert headers["Webhook-Signature"] == "v1=" + base64.b64encode(digest).decode()
    verify_signature(SECRET, BODY, headers, scheme=scheme, now=NOW)
    # Moving the timestamp forward (a replay made to look fresh) breaks the signature.
    replayed = {**headers, "Webhook-Timestamp": str(NOW + 1000)}
    with pytest.raises(WebhookSignatureError) as caught:
        verify_signature(SECRET, BODY, replayed, scheme=scheme, now=NOW + 1000)
    assert reason(caught) == "mismatch"


def test_a_scheme_without_timestamps_still_checks_the_signature() -> None:
    scheme = SignatureScheme(timestamp_header=None, prefix="")
    headers = sign_payload(SECRET, BODY, scheme=scheme)
    assert list(headers) == ["X-OEC-Signature"]
    verify_signature(SECRET, BODY, headers, scheme=scheme)
    with pytest.raises(WebhookSignatureError):
        verify_signature(SECRET, BODY + b"x", headers, scheme=scheme)


def test_invalid_schemes_and_secrets_are_refused_up_front() -> None:
    with pytest.raises(ValueError, match="needs a timestamp_header"):
        SignatureScheme(signed_content="timestamp.body", timestamp_header=None)
    with pytest.raises(ValueError, match="header name"):
        SignatureScheme(signature_header="Bad: Header")
    with pytest.raises(ValueError, match="signed_content"):
        SignatureScheme(signed_content="body+timestamp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="secret is empty"):
        verify_signature("", BODY, {"X-OEC-Signature": "sha256=00"}, tolerance=None)
    with pytest.raises(ValueError, match="no webhook secret"):
        verify_signature([], BODY, {})
    assert SignatureScheme() == DEFAULT_SCHEME


def test_the_testing_sign_payload_is_a_deprecated_alias_of_compute_signature() -> None:
    from oec_async.testing import sign_payload as old_sign_payload

    with pytest.warns(DeprecationWarning, match="oec_async.webhooks.compute_signature"):
        value = old_sign_payload(SECRET, BODY)
    assert value == compute_signature(SECRET, BODY)


def test_a_float_timestamp_header_is_read() -> None:
    headers = {**sign_payload(SECRET, BODY, timestamp=NOW), "X-OEC-Timestamp": f"{NOW}.75"}
    verify_signature(SECRET, BODY, headers, now=NOW + 10)


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan])
def test_a_tolerance_must_be_a_positive_finite_number_of_seconds(bad: float) -> None:
    with pytest.raises(ValueError, match="tolerance must be a finite number of seconds > 0"):
        verify_signature(SECRET, BODY, sign_payload(SECRET, BODY, timestamp=NOW), tolerance=bad)
    with pytest.raises(ValueError, match="tolerance must be a finite number of seconds > 0"):
        WebhookReceiver(SECRET, tolerance=bad)
