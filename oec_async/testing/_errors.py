"""Error bodies in the shapes the real API sends, and the exceptions handlers raise to produce them.

Handlers raise `ApiError` (or `RequestValidationError`); the middleware renders it in the configured
`ErrorStyle`:

- ``"detail"`` (FastAPI, most live routes): ``{"detail": {"error": code, "message": ..., **extra}}``;
  validation: ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``; a few routes send a
  plain string: ``{"detail": "..."}``.
- ``"top_level"`` (the documented envelope): ``{"error": code, "message": ..., **extra}``;
  validation in the docs' dialect: ``{"error": "validation_error", "message": ...,
  "detail": [{"field", "message"}]}``. The live API validates requests before any route runs,
  so its 422 is FastAPI's ``{"detail": [{"loc", "msg", "type"}]}`` whatever the error style.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs

ErrorStyle: TypeAlias = Literal["detail", "top_level"]
# JSON payloads are built from literals and checked by tests; `Any` keeps handlers readable.
JSONValue: TypeAlias = Any
JSONObject: TypeAlias = dict[str, Any]


class ApiError(Exception):
    """An error answer: HTTP status, machine code, human message and extra body fields."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extra: Mapping[str, JSONValue] | None = None,
        headers: Mapping[str, str] | None = None,
        plain_detail: bool = False,
    ) -> None:
        """Describe the error.

        Args:
            status: HTTP status code.
            code: The machine-readable `error` code.
            message: Human-readable text.
            extra: Additional body fields (e.g. `task_id`, `retry_after`).
            headers: Extra response headers (e.g. `Retry-After`).
            plain_detail: Render as ``{"detail": message}`` in the "detail" style.
        """
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra: dict[str, JSONValue] = dict(extra or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.plain_detail = plain_detail


def not_found(what: str = "Resource") -> ApiError:
    """Return the 404 the API sends for unknown or invisible resources."""
    return ApiError(404, "not_found", f"{what} not found.")


@attrs.frozen
class FieldError:
    """One failed field: where (`loc`), what (`msg`) and the pydantic error `type`."""

    loc: tuple[str | int, ...]
    msg: str
    type: str


class RequestValidationError(Exception):
    """A 422 request-validation failure listing every bad field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        """Collect the field errors (at least one)."""
        super().__init__("; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors))
        self.errors = tuple(errors)


def render_error(error: ApiError, style: ErrorStyle) -> JSONObject:
    """Return the JSON body for `error` in `style`."""
    if style == "top_level":
        return {"error": error.code, "message": error.message, **error.extra}
    if error.plain_detail:
        return {"detail": error.message}
    return {"detail": {"error": error.code, "message": error.message, **error.extra}}


def render_validation(
    failure: RequestValidationError, style: ErrorStyle, shape: Literal["field", "loc"] = "field"
) -> JSONObject:
    """Return the JSON body of a 422 validation failure in `style`.

    `shape` ``"loc"`` (the live API) always gives FastAPI's list; ``"field"`` (the docs) gives
    ``{field, message}`` items in the top-level envelope.
    """
    if style == "top_level" and shape == "field":
        items = [
            {"field": ".".join(str(p) for p in e.loc[1:]) or str(e.loc[0]), "message": e.msg}
            for e in failure.errors
        ]
        return {
            "error": "validation_error",
            "message": "Request validation failed.",
            "detail": items,
        }
    return {"detail": [{"loc": list(e.loc), "msg": e.msg, "type": e.type} for e in failure.errors]}


GATEWAY_HTML: str = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
