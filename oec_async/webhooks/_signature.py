"""Signing and verifying webhook deliveries (HMAC-SHA256), as pure functions.

OEC.sh documents that deliveries are signed with HMAC-SHA256 and nothing more: the header
names, the signed string and the encoding are not published. :class:`SignatureScheme` makes
each of them a parameter; its defaults are the convention the SDK and its fake server use::

    X-OEC-Signature: sha256=<lowercase hex HMAC-SHA256(secret, raw body)>
    X-OEC-Timestamp: <Unix seconds>

The secret is used as its UTF-8 bytes. Verification compares in constant time, accepts any of
several secrets (for a rotation) and any of several comma-separated signatures, and with a
``tolerance`` rejects deliveries whose timestamp is too far from now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from attrs import field, frozen, validators

from .._validation import check_positive_number
from ._errors import WebhookSignatureError
from ._freshness import check_age, header_value, unix_time

__all__ = [
    "DEFAULT_SCHEME",
    "DEFAULT_TOLERANCE",
    "Secret",
    "SignatureScheme",
    "compute_signature",
    "sign_payload",
    "verify_signature",
]

Secret = str | bytes
"""A signing secret: the string the API returned (used as UTF-8), or raw bytes."""

DEFAULT_TOLERANCE: Final = 300.0
"""Seconds a delivery's timestamp may differ from now (either way) before it is refused."""

_MAX_HEADER_CHARS: Final = 4096


def _header_name(_: object, attribute: object, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value or ":" in value):
        raise ValueError(f"a header name must be a non-empty string without ':', got {value!r}")


@frozen(kw_only=True)
class SignatureScheme:
    """Where a delivery's signature is and how it is computed (all undocumented upstream).

    Attributes:
        signature_header: The header carrying the signature (default ``X-OEC-Signature``).
        timestamp_header: The header carrying the send time in Unix seconds (default
            ``X-OEC-Timestamp``), or ``None`` when the sender sends none.
        signed_content: ``"body"`` (default): the HMAC covers the raw body only;
            ``"timestamp.body"``: it covers ``b"<timestamp>." + body``, so the timestamp itself
            is authenticated.
        prefix: Text before the digest in the header (default ``"sha256="``; ``""`` for none).
            A header without it is accepted too.
        encoding: ``"hex"`` (default) or ``"base64"``.
    """

    signature_header: str = field(default="X-OEC-Signature", validator=_header_name)
    timestamp_header: str | None = field(default="X-OEC-Timestamp", validator=_header_name)
    signed_content: Literal["body", "timestamp.body"] = field(
        default="body", validator=validators.in_(("body", "timestamp.body"))
    )
    prefix: str = field(default="sha256=", validator=validators.instance_of(str))
    encoding: Literal["hex", "base64"] = field(
        default="hex", validator=validators.in_(("hex", "base64"))
    )

    def __attrs_post_init__(self) -> None:
        if self.signed_content == "timestamp.body" and self.timestamp_header is None:
            raise ValueError("signed_content='timestamp.body' needs a timestamp_header")


DEFAULT_SCHEME: Final = SignatureScheme()


def _key(secret: Secret) -> bytes:
    candidate: object = secret
    if isinstance(candidate, str):
        key = candidate.encode("utf-8")
    elif isinstance(candidate, bytes):
        key = candidate
    else:
        raise TypeError(f"a webhook secret must be str or bytes, got {type(secret).__name__}")
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def _message(body: bytes, timestamp: str | None, scheme: SignatureScheme) -> bytes:
    if scheme.signed_content == "body":
        return body
    return (timestamp or "").encode("ascii") + b"." + body


def _digest(secret: Secret, message: bytes) -> bytes:
    return hmac.new(_key(secret), message, hashlib.sha256).digest()


def _encode(digest: bytes, scheme: SignatureScheme) -> str:
    if scheme.encoding == "hex":
        return digest.hex()
    return base64.b64encode(digest).decode("ascii")


def compute_signature(
    secret: Secret,
    body: bytes,
    *,
    timestamp: int | None = None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
) -> str:
    """The signature header value for ``body`` (``sha256=<hex>`` with the default scheme).

    Args:
        secret: The webhook's signing secret.
        body: The exact bytes sent.
        timestamp: The send time, needed when ``scheme.signed_content`` is ``timestamp.body``.
        scheme: How to sign.
    """
    if scheme.signed_content == "timestamp.body" and timestamp is None:
        raise ValueError("this scheme signs the timestamp: pass timestamp=")
    stamp = None if timestamp is None else str(int(timestamp))
    return scheme.prefix + _encode(_digest(secret, _message(body, stamp, scheme)), scheme)


def sign_payload(
    secret: Secret,
    body: bytes,
    *,
    timestamp: int | None = None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
) -> dict[str, str]:
    """The headers that sign ``body``: what a sender adds (tests use it to fake deliveries).

    With the default scheme the timestamp header is not signed, so :class:`WebhookReceiver`
    also wants the send time inside the body (a ``timestamp`` field), as the SDK's fake server sends it.

    Args:
        secret: The webhook's signing secret.
        body: The exact bytes sent.
        timestamp: The send time in Unix seconds (default: now).
        scheme: How to sign.

    Returns:
        ``{signature_header: ..., timestamp_header: ...}`` (no timestamp header if the
        scheme has none).
    """
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    headers = {
        scheme.signature_header: compute_signature(secret, body, timestamp=stamp, scheme=scheme)
    }
    if scheme.timestamp_header is not None:
        headers[scheme.timestamp_header] = str(stamp)
    return headers


def _decode(text: str, scheme: SignatureScheme) -> bytes | None:
    value = text.strip()
    if scheme.prefix and value[: len(scheme.prefix)].lower() == scheme.prefix.lower():
        value = value[len(scheme.prefix) :]
    try:
        if scheme.encoding == "hex":
            return bytes.fromhex(value)
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None


def _timestamp(
    headers: Mapping[str, str], scheme: SignatureScheme, tolerance: float | None, now: float | None
) -> str | None:
    if scheme.timestamp_header is None:
        return None
    raw = header_value(headers, scheme.timestamp_header)
    needed = tolerance is not None or scheme.signed_content == "timestamp.body"
    if raw is None:
        if needed:
            raise WebhookSignatureError(
                "missing_timestamp", f"the {scheme.timestamp_header} header is missing"
            )
        return None
    try:
        sent = unix_time(raw)
    except ValueError as error:
        raise WebhookSignatureError(
            "malformed_timestamp", f"the {scheme.timestamp_header} header: {error}"
        ) from None
    if tolerance is not None:
        check_age(sent, tolerance, time.time() if now is None else now, "the delivery's timestamp")
    return raw.strip()


def verify_signature(
    secret: Secret | Sequence[Secret],
    body: bytes,
    headers: Mapping[str, str],
    *,
    scheme: SignatureScheme = DEFAULT_SCHEME,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that ``body`` was signed with ``secret`` and, with a tolerance, is recent.

    Only the signature and the timestamp header are looked at. Unless the scheme signs that
    header (``signed_content="timestamp.body"``), anyone replaying a delivery can change it:
    :class:`WebhookReceiver` also requires a signed send time (the body's ``timestamp``) and
    remembers deliveries already handled.

    Args:
        secret: The signing secret, or several (any one may match: useful while rotating).
        body: The raw request body, exactly as received (before any JSON parsing).
        headers: The request headers (looked up case-insensitively).
        scheme: Where the signature is and how it is computed.
        tolerance: Seconds the timestamp header (Unix seconds, possibly fractional) may differ
            from now; ``None`` skips the check (the header is then optional unless the scheme
            signs it).
        now: The current Unix time (tests).

    Raises:
        WebhookSignatureError: missing, malformed or wrong signature, or a stale timestamp.
    """
    check_positive_number(tolerance, "tolerance")
    secrets = [secret] if isinstance(secret, str | bytes) else list(secret)
    if not secrets:
        raise ValueError("no webhook secret given")
    keys = [_key(s) for s in secrets]
    raw = header_value(headers, scheme.signature_header)
    if raw is None or not raw.strip():
        raise WebhookSignatureError(
            "missing_signature", f"the {scheme.signature_header} header is missing"
        )
    if len(raw) > _MAX_HEADER_CHARS:
        raise WebhookSignatureError("malformed_signature", "the signature header is too long")
    stamp = _timestamp(headers, scheme, tolerance, now)
    candidates = [d for d in (_decode(part, scheme) for part in raw.split(",")) if d is not None]
    if not candidates:
        raise WebhookSignatureError(
            "malformed_signature",
            f"the {scheme.signature_header} header is not a {scheme.encoding} HMAC-SHA256",
        )
    message = _message(body, stamp, scheme)
    matched = False
    for key in keys:
        expected = hmac.new(key, message, hashlib.sha256).digest()
        for candidate in candidates:
            # No early exit: every comparison runs, so timing says nothing about which failed.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookSignatureError("mismatch", "the signature does not match the body")
