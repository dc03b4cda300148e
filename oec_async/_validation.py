"""Argument checks done before any request, so bad input fails fast with a clear message."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Final
from uuid import UUID

__all__ = [
    "MODULE_NAME",
    "check_header_value",
    "ensure_int_range",
    "ensure_module_names",
    "ensure_positive_number",
    "ensure_uuid",
]

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
MODULE_NAME: Final = re.compile(r"^[a-z0-9_]{1,64}\Z")  # \Z: "$" would let a trailing newline in
_CANONICAL_UUID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
).fullmatch


def ensure_uuid(value: UUID | str, name: str) -> str:
    """Return ``value`` as a canonical UUID string.

    Raises:
        TypeError: ``value`` is neither a UUID nor a string.
        ValueError: ``value`` is a string that is not a UUID.
    """
    candidate: object = value
    if isinstance(candidate, UUID):
        return str(candidate)
    if not isinstance(candidate, str):
        raise TypeError(f"{name} must be a UUID or a UUID string, got {type(value).__name__}")
    if _CANONICAL_UUID(candidate) is not None:
        return candidate  # already what str(UUID(...)) gives; ids are checked on every poll
    try:
        return str(UUID(candidate))
    except ValueError:
        shown = candidate if len(candidate) <= 60 else candidate[:60] + "..."
        raise ValueError(f"{name} must be a UUID, got {shown!r}") from None


def ensure_int_range(value: int, name: str, low: int, high: int | None = None) -> int:
    """Return ``value`` if it is an int within ``low..high`` (inclusive).

    Raises:
        TypeError: not an int (bools are refused too).
        ValueError: out of range.
    """
    candidate: object = value
    if not isinstance(candidate, int) or isinstance(candidate, bool):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be within {bounds}, got {value}")
    return value


def ensure_positive_number(value: float | None, name: str) -> float | None:
    """Return ``value`` if it is ``None`` or a finite number > 0.

    Raises:
        TypeError: not a number.
        ValueError: zero, negative, NaN or infinite.
    """
    if value is None:
        return None
    candidate: object = value
    if not isinstance(candidate, int | float) or isinstance(candidate, bool):
        raise TypeError(f"{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def ensure_module_names(modules: Iterable[str], name: str = "modules") -> list[str]:
    """Return ``modules`` as a list after checking the API's module-name rule.

    Raises:
        TypeError: a plain string was given instead of a list of names.
        ValueError: empty, over 50 names, or a name not matching ``^[a-z0-9_]{1,64}$``.
    """
    if isinstance(modules, str):
        raise TypeError(f"{name} must be a list of module names, not a single string")
    names = list(modules)
    if not 1 <= len(names) <= 50:
        raise ValueError(f"{name} must hold 1..50 module names, got {len(names)}")
    for module in names:
        candidate: object = module
        if not isinstance(candidate, str) or not MODULE_NAME.match(candidate):
            raise ValueError(
                f"invalid module name {module!r} in {name}: must match ^[a-z0-9_]{{1,64}}$"
            )
    return names


def check_header_value(value: str, name: str) -> str:
    """Return ``value`` if it can go in a header: a string without control characters.

    Raises:
        TypeError: not a string.
        ValueError: it holds CR, LF, NUL or another control character (header injection).
    """
    candidate: object = value
    if not isinstance(candidate, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    found = _CONTROL.search(value)
    if found is not None:
        raise ValueError(
            f"{name} must not contain control characters (found {found.group()!r} at "
            f"position {found.start()}); it is sent as an HTTP header"
        )
    return value
