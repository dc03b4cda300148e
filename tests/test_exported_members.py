"""The public API is exactly what ``oec_async.__all__`` lists."""

from __future__ import annotations
import __future__

import importlib.metadata
import types

import pytest

import oec_async

# Import machinery, not API: ``from __future__ import annotations`` and ``TYPE_CHECKING``.
_IMPORT_ARTEFACTS = frozenset({"TYPE_CHECKING"})


def _ruff_isort_key(name: str) -> tuple[int, str]:
    """ruff RUF022's isort-style order: CONSTANTS, then Classes, then everything else."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted() -> None:
    assert oec_async.__all__ == sorted(oec_async.__all__, key=_ruff_isort_key)


def test_all_has_no_duplicates() -> None:
    assert len(set(oec_async.__all__)) == len(oec_async.__all__)


def test_every_name_in_all_exists() -> None:
    missing = [name for name in oec_async.__all__ if not hasattr(oec_async, name)]
    assert missing == []


def test_every_public_top_level_name_is_in_all() -> None:
    public = {
        name
        for name, value in vars(oec_async).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
        and name not in _IMPORT_ARTEFACTS
    }
    assert sorted(public - set(oec_async.__all__)) == []


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from oec_async import *", namespace)
    namespace.pop("__builtins__")
    assert sorted(namespace) == sorted(oec_async.__all__)


def test_version_is_a_string_matching_the_installed_metadata() -> None:
    assert isinstance(oec_async.__version__, str)
    assert oec_async.__version__ == importlib.metadata.version("oec-async")


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        getattr(oec_async, "no_such_name")  # noqa: B009
