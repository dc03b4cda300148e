"""The API's three paging styles: cursor envelopes, limit/offset and page/page_size."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ._errors import JSONObject
from ._validation import fail, query_int

T = TypeVar("T")


def encode_cursor(after_id: str, position: int) -> str:
    """Return an opaque cursor for the page that starts after `after_id` (at `position`)."""
    raw = json.dumps({"after": after_id, "pos": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        after, position = data["after"], data["pos"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise fail(("query", "cursor"), "Invalid cursor", "value_error") from None
    if not isinstance(after, str) or not isinstance(position, int) or position < 0:
        raise fail(("query", "cursor"), "Invalid cursor", "value_error")
    return after, position


def cursor_page(
    items: Sequence[T], ident: Callable[[T], str], query: Mapping[str, str]
) -> tuple[Sequence[T], JSONObject]:
    """Slice `items` by `limit` (1..100, default 20) and `cursor`; return the page and `pagination`.

    The cursor remembers the last item's id, so items inserted before it (newer deployments at
    the head of a newest-first list) do not shift the next page.
    """
    limit = query_int(query, "limit", 20, ge=1, le=100)
    start = 0
    if query.get("cursor"):
        after, position = _decode_cursor(query["cursor"])
        start = min(position, len(items))
        for index in range(len(items)):
            if ident(items[index]) == after:
                start = index + 1
                break
    page = items[start : start + limit]
    has_more = start + limit < len(items)
    next_cursor = encode_cursor(ident(page[-1]), start + len(page)) if has_more and page else None
    return page, {"has_more": has_more, "next_cursor": next_cursor, "total": len(items)}


def offset_page(items: Sequence[T], query: Mapping[str, str]) -> tuple[Sequence[T], JSONObject]:
    """Slice by `limit` (1..100, default 50) and `offset` (>= 0); return the page and envelope fields."""
    limit = query_int(query, "limit", 50, ge=1, le=100)
    offset = query_int(query, "offset", 0, ge=0)
    page = items[offset : offset + limit]
    return page, {
        "total": len(items),
        "limit": limit,
        "offset": offset,
        "has_more": offset + limit < len(items),
    }


def page_page(
    items: Sequence[T], query: Mapping[str, str], *, pages_field: str = "total_pages"
) -> tuple[Sequence[T], JSONObject]:
    """Slice by `page` (>= 1) and `page_size` (1..100, default 20); return the page and envelope.

    `pages_field` names the page count (``total_pages`` in the docs, ``pages`` live).
    """
    page_number = query_int(query, "page", 1, ge=1)
    size = query_int(query, "page_size", 20, ge=1, le=100)
    start = (page_number - 1) * size
    return items[start : start + size], {
        "total": len(items),
        "page": page_number,
        "page_size": size,
        pages_field: math.ceil(len(items) / size),
    }
