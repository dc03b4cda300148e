"""The installed version, read lazily from the package metadata."""

from __future__ import annotations

import functools

__all__ = ["get_version", "user_agent"]


@functools.cache
def get_version() -> str:
    """The installed oec-async version (``0.0.0`` when running from an uninstalled tree)."""
    # importlib.metadata (with zipfile, csv, email...) costs ~10 ms: paid on first use only,
    # when a client is created, not by ``import oec_async``.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("oec-async")
    except PackageNotFoundError:  # pragma: no cover - only from a bare source tree
        return "0.0.0"


def user_agent() -> str:
    """The User-Agent the SDK sends: ``oec-async/<version> python-aiohttp``."""
    return f"oec-async/{get_version()} python-aiohttp"
