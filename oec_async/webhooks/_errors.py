"""Exceptions of the webhook receiver side (all derive from :class:`oec_async.OECError`)."""

from __future__ import annotations

from typing import Literal

from .._exceptions import OECError

__all__ = ["SignatureProblem", "WebhookError", "WebhookPayloadError", "WebhookSignatureError"]

SignatureProblem = Literal[
    "missing_signature",
    "malformed_signature",
    "mismatch",
    "missing_timestamp",
    "malformed_timestamp",
    "stale",
    "replayed",
]


class WebhookError(OECError):
    """A webhook delivery could not be accepted."""


class WebhookSignatureError(WebhookError):
    """A delivery's signature is missing, wrong, or too old: it must be rejected (401).

    The message names the problem only; it never contains the secret or the expected signature.

    Attributes:
        reason: ``missing_signature``, ``malformed_signature``, ``mismatch``,
            ``missing_timestamp``, ``malformed_timestamp``, ``stale`` or ``replayed``.
    """

    def __init__(self, reason: SignatureProblem, message: str) -> None:
        super().__init__(message)
        self.reason: SignatureProblem = reason


class WebhookPayloadError(WebhookError):
    """A correctly signed delivery whose body is not a JSON event object (400)."""
