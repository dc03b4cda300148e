"""The public surface of oec_async.testing."""

from __future__ import annotations

import oec_async.testing


def test_all_is_sorted_and_complete() -> None:
    exported = oec_async.testing.__all__
    # isort-style order, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert all(hasattr(oec_async.testing, name) for name in exported)


def test_every_public_name_has_a_docstring() -> None:
    for name in oec_async.testing.__all__:
        value = getattr(oec_async.testing, name)
        if isinstance(value, type):
            assert value.__doc__, name
