"""One page of a list, and where it sits in the list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from attrs import field, frozen

__all__ = ["Page", "Pagination", "next_cursor"]

T = TypeVar("T")


@frozen(kw_only=True)
class Pagination:
    """Where a page sits in its list.

    Attributes:
        has_more: Whether another page follows.
        next_cursor: The opaque cursor of the next page (``None`` on the last page).
        total: How many items the whole list holds, when the server says.
    """

    has_more: bool = False
    next_cursor: str | None = None
    total: int | None = None


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list: its items and where to go next.

    Attributes:
        items: The items of this page, in server order.
        pagination: The cursor state after this page.
    """

    items: tuple[T, ...] = field(default=())
    pagination: Pagination = field(factory=Pagination)

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the next page, or ``None`` when this is the last one.

        The paginator's rule (:func:`next_cursor`): the list ends on ``has_more == false`` or
        an empty cursor.
        """
        return next_cursor(self.pagination)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __getitem__(self, index: int) -> T:
        return self.items[index]


def next_cursor(pagination: Pagination) -> str | None:
    """The cursor of the page after this one, or ``None`` when the list ends.

    The list ends when ``has_more`` is false *or* no cursor is given: a server that says
    "more" without saying where cannot be followed.
    """
    if not pagination.has_more or not pagination.next_cursor:
        return None
    return pagination.next_cursor
