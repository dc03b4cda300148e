"""Request validation with FastAPI-style 422 errors (`loc`, `msg`, `type`)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Final

from aiohttp import web

from ._errors import ApiError, FieldError, JSONObject, RequestValidationError

MODULE_NAME: Final = re.compile(r"^[a-z0-9_]{1,64}$")


def fail(loc: tuple[str | int, ...], msg: str, type_: str) -> RequestValidationError:
    """Return a one-field validation failure."""
    return RequestValidationError([FieldError(loc, msg, type_)])


def _as_uuid(raw: str, loc: tuple[str | int, ...]) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise fail(
            loc,
            "Input should be a valid UUID, invalid character: expected an optional prefix of "
            "`urn:uuid:` followed by [0-9a-fA-F-]",
            "uuid_parsing",
        ) from None


def path_uuid(request: web.Request, name: str) -> str:
    """Return path parameter `name` as a canonical UUID string, or fail with 422."""
    return _as_uuid(request.match_info[name], ("path", name))


def query_uuid(query: Mapping[str, str], name: str) -> str | None:
    """Return query parameter `name` as a canonical UUID string (None if absent), or fail with 422."""
    raw = query.get(name)
    return None if raw is None else _as_uuid(raw, ("query", name))


def query_int(
    query: Mapping[str, str], name: str, default: int, *, ge: int, le: int | None = None
) -> int:
    """Return integer query parameter `name` within [ge, le], or fail with 422."""
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise fail(
            ("query", name),
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        ) from None
    if value < ge:
        raise fail(
            ("query", name), f"Input should be greater than or equal to {ge}", "greater_than_equal"
        )
    if le is not None and value > le:
        raise fail(
            ("query", name), f"Input should be less than or equal to {le}", "less_than_equal"
        )
    return value


def query_choice(query: Mapping[str, str], name: str, default: str, choices: Sequence[str]) -> str:
    """Return query parameter `name` if it is one of `choices`, or fail with 422."""
    value = query.get(name, default)
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise fail(("query", name), f"Input should be {options}", "enum")
    return value


async def json_body(request: web.Request, *, required: bool = True) -> JSONObject:
    """Return the JSON object body (empty when absent and not required).

    Raises:
        ApiError: 400 `invalid_json` for an unparseable body.
        RequestValidationError: 422 for a missing body or a non-object.
    """
    raw = await request.read()
    if not raw.strip():
        if required:
            raise fail(("body",), "Field required", "missing")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "Request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise fail(
            ("body",), "Input should be a valid dictionary or object", "model_attributes_type"
        )
    return data


class Fields:
    """Reads typed fields out of a JSON body, collecting every error before failing."""

    def __init__(self, body: JSONObject) -> None:
        """Wrap `body`."""
        self.body = body
        self.errors: list[FieldError] = []

    def _err(self, name: str, msg: str, type_: str) -> None:
        self.errors.append(FieldError(("body", name), msg, type_))

    def has(self, name: str) -> bool:
        """Return True if `name` is present in the body."""
        return name in self.body

    def str_(
        self,
        name: str,
        *,
        required: bool = False,
        min_len: int = 0,
        max_len: int = 255,
        pattern: re.Pattern[str] | None = None,
        choices: Sequence[str] | None = None,
    ) -> str | None:
        """Return string field `name` (None when absent), recording any error."""
        value = self.body.get(name)
        if value is None:
            if required:
                self._err(name, "Field required", "missing")
            return None
        if not isinstance(value, str):
            self._err(name, "Input should be a valid string", "string_type")
        elif len(value) < min_len:
            self._err(name, f"String should have at least {min_len} character", "string_too_short")
        elif len(value) > max_len:
            self._err(name, f"String should have at most {max_len} characters", "string_too_long")
        elif pattern is not None and not pattern.match(value):
            self._err(
                name, f"String should match pattern '{pattern.pattern}'", "string_pattern_mismatch"
            )
        elif choices is not None and value not in choices:
            self._err(name, "Input should be " + ", ".join(repr(c) for c in choices), "enum")
        else:
            return value
        return None

    def uuid_(self, name: str, *, required: bool = False) -> str | None:
        """Return UUID field `name` canonicalised (None when absent), recording any error."""
        value = self.str_(name, required=required, max_len=64)
        if value is None:
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            self._err(name, "Input should be a valid UUID", "uuid_parsing")
            return None

    def number(self, name: str, *, ge: float, le: float, integer: bool = False) -> float | None:
        """Return numeric field `name` within [ge, le] (None when absent), recording any error."""
        value = self.body.get(name)
        if value is None:
            return None
        kind = "integer" if integer else "number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not float(value).is_integer())
        ):
            self._err(
                name, f"Input should be a valid {kind}", f"{'int' if integer else 'float'}_type"
            )
        elif value < ge:
            self._err(
                name, f"Input should be greater than or equal to {ge:g}", "greater_than_equal"
            )
        elif value > le:
            self._err(name, f"Input should be less than or equal to {le:g}", "less_than_equal")
        else:
            return int(value) if integer else float(value)
        return None

    def bool_(self, name: str) -> bool | None:
        """Return boolean field `name` (None when absent), recording any error."""
        value = self.body.get(name)
        if value is None or isinstance(value, bool):
            return value
        self._err(name, "Input should be a valid boolean", "bool_type")
        return None

    def str_list(
        self,
        name: str,
        *,
        min_items: int,
        max_items: int,
        pattern: re.Pattern[str] | None = None,
        choices: Sequence[str] | None = None,
    ) -> list[str] | None:
        """Return a list-of-strings field (None when absent), recording any error."""
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._err(name, "Input should be a valid list of strings", "list_type")
        elif not min_items <= len(value) <= max_items:
            self._err(
                name,
                f"List should have {min_items} to {max_items} items",
                "too_long" if len(value) > max_items else "too_short",
            )
        elif pattern is not None and not all(pattern.match(v) for v in value):
            self._err(
                name,
                f"Each item should match pattern '{pattern.pattern}'",
                "string_pattern_mismatch",
            )
        elif choices is not None and not set(value) <= set(choices):
            self._err(
                name, "Unknown value: " + ", ".join(sorted(set(value) - set(choices))), "enum"
            )
        else:
            return list(value)
        return None

    def check(self) -> None:
        """Raise `RequestValidationError` if any field was bad."""
        if self.errors:
            raise RequestValidationError(self.errors)
