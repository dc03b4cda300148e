"""``import oec_async`` leaves the costly, rarely needed parts for their first use.

Each check runs in a fresh interpreter: in this one the pytest plugin has already imported
everything. No timings here (machines are noisy); ``python -m benchmarks --only import`` has them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import oec_async


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return completed.stdout.strip()


def _imported_after_import(module: str) -> bool:
    return _run(f"import sys, oec_async; print({module!r} in sys.modules)") == "True"


@pytest.mark.parametrize(
    "module",
    [
        "oec_async.fleet",
        "oec_async.resources",
        "statistics",
    ],
)
def test_import_oec_async_does_not_import(module: str) -> None:
    assert not _imported_after_import(module)


def test_the_lazy_names_are_the_type_checking_imports() -> None:
    """What ``__getattr__`` imports on demand is what type checkers are told is there."""
    tree = ast.parse(Path(oec_async.__file__).read_text())
    (block,) = (
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    imported = {
        "." * node.level + (node.module or ""): tuple(alias.name for alias in node.names)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
    }
    assert imported == oec_async._LAZY_MODULES


def test_a_lazy_name_is_imported_on_first_access() -> None:
    code = "import oec_async; from oec_async.fleet import Fleet; print(oec_async.Fleet is Fleet)"
    assert _run(code) == "True"


def test_every_name_in_all_resolves_in_a_fresh_interpreter() -> None:
    code = (
        "import oec_async\n"
        "missing = [n for n in oec_async.__all__ if not hasattr(oec_async, n)]\n"
        "print(missing)"
    )
    assert _run(code) == "[]"


def test_star_import_in_a_fresh_interpreter_gives_the_lazy_names() -> None:
    assert _run("from oec_async import *; print(Fleet.__name__, Webhook.__name__)") == (
        "Fleet Webhook"
    )


def test_dir_lists_the_lazy_names_before_they_are_imported() -> None:
    code = (
        "import sys, oec_async; print('Fleet' in dir(oec_async), 'oec_async.fleet' in sys.modules)"
    )
    assert _run(code) == "True False"


@pytest.mark.parametrize("subpackage", ["fleet", "resources"])
def test_a_subpackage_is_an_attribute_of_the_package(subpackage: str) -> None:
    code = f"import oec_async; print(oec_async.{subpackage}.__name__)"
    assert _run(code) == f"oec_async.{subpackage}"


def test_a_resource_is_imported_by_its_first_use() -> None:
    code = (
        "import sys, oec_async\n"
        "client = oec_async.Client(api_key='oec_live_rw_x', base_url='http://127.0.0.1')\n"
        "before = 'oec_async.resources' in sys.modules\n"
        "print(before, type(client.backups).__name__)"
    )
    assert _run(code) == "False Backups"


def test_client_fleet_imports_the_fleet_package() -> None:
    code = (
        "import oec_async\n"
        "client = oec_async.Client(api_key='oec_live_rw_x', base_url='http://127.0.0.1')\n"
        "print(type(client.fleet).__name__)"
    )
    assert _run(code) == "Fleet"
