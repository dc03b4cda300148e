"""The converter's cheap paths (optional fields, enums, ids) change only the cost.

Behaviour only, no timings: ``python -m benchmarks --only structure`` has those.
"""

from __future__ import annotations

import enum
import subprocess
import sys
import typing
from collections import OrderedDict
from datetime import datetime
from types import NoneType, UnionType
from typing import Any
from uuid import UUID

import attrs
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import oec_async
from oec_async import Deployment, Pagination, TaskStatus
from oec_async._converter import make_converter, structure, unstructure

TASK = "fe42d54f-c70b-4251-885d-1caa6bd60232"


def _response_models() -> list[type]:
    models = []
    for name in oec_async.__all__:
        candidate = getattr(oec_async, name)
        if (
            isinstance(candidate, type)
            and attrs.has(candidate)
            and candidate.__module__.startswith("oec_async._models")
            and not getattr(candidate, "__parameters__", ())
        ):
            models.append(candidate)
    return models


MODELS = _response_models()

_JUNK = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=4)
    | st.lists(st.integers(0, 2), max_size=2)
    | st.dictionaries(st.text(max_size=2), st.integers(), max_size=1)
)


def _uuid_text() -> st.SearchStrategy[Any]:
    canonical = st.uuids().map(str)
    return st.one_of(
        canonical,
        canonical.map(str.upper),
        canonical.map(lambda u: "{" + u + "}"),
        canonical.map(lambda u: u.replace("-", "")),
        canonical.map(lambda u: u[:-1] + "g"),
        canonical.map(lambda u: u.replace("-", "_", 1)),
        canonical.map(lambda u: " " + u),
    )


def _timestamps() -> st.SearchStrategy[Any]:
    # Naive on purpose: the wire format may carry no offset, and each variant adds its own.
    moments = st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    )
    return st.one_of(
        moments.map(lambda d: d.isoformat() + "Z"),
        moments.map(lambda d: d.isoformat() + "+02:00"),
        moments.map(datetime.isoformat),
        st.just("2025-13-40T00:00:00Z"),
    )


def _values(type_: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Plausible and implausible JSON values for a field of ``type_``."""
    origin = typing.get_origin(type_)
    if origin in (UnionType, typing.Union):
        inner = [a for a in typing.get_args(type_) if a is not NoneType]
        return st.one_of(st.none(), *(_values(a, depth) for a in inner))
    if origin is tuple:
        return st.lists(_values(typing.get_args(type_)[0], depth + 1), max_size=3) | _JUNK
    if type_ is UUID:
        return _uuid_text() | _JUNK
    if type_ is datetime:
        return _timestamps() | _JUNK
    if isinstance(type_, type) and issubclass(type_, enum.Enum):
        known = st.sampled_from([m.value for m in type_])
        return known | st.text(alphabet="abcxyz_", min_size=1, max_size=6) | _JUNK
    if type_ in (str, int, float, bool):
        return _JUNK | st.integers() | st.floats(allow_nan=False, width=32) | st.text()
    if isinstance(type_, type) and attrs.has(type_) and depth < 2:
        return _objects(type_, depth + 1) | _JUNK
    return _JUNK


def _objects(cls: type, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: _values(hints[f.name], depth) for f in attrs.fields(cls)}
    required = {
        name: strategy
        for name, strategy in fields.items()
        if attrs.fields_dict(cls)[name].default is attrs.NOTHING
    }
    optional = {name: s for name, s in fields.items() if name not in required}
    return st.fixed_dictionaries(
        required, optional={**optional, "added_later": st.integers()}
    ) | st.fixed_dictionaries({}, optional=fields)


STRICT = make_converter(forbid_extra_keys=True)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_payload_gives_a_model_or_a_value_error_and_nothing_else(
    cls: type, data: st.DataObject
) -> None:
    payload = data.draw(_objects(cls) | _JUNK)
    try:
        model = structure(payload, cls)
    except ValueError:
        return
    assert isinstance(model, cls)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_is_accepted_reads_back_the_same_through_the_strict_converter(
    cls: type, data: st.DataObject
) -> None:
    try:
        model = structure(data.draw(_objects(cls)), cls)
    except ValueError:
        return
    assert STRICT.structure(unstructure(model), cls) == model


def test_the_models_under_test_include_the_hot_ones() -> None:
    assert Deployment in MODELS
    assert Pagination in MODELS


def test_a_page_of_deployments_structures_known_and_unknown_statuses() -> None:
    items = [
        {
            "id": TASK,
            "status": "running",
            "progress_percent": 40,
            "started_at": "2025-01-01T00:00:00Z",
        },
        {"id": TASK.upper(), "status": "brand_new", "type": "deploy"},
    ]
    first, second = structure(items, tuple[Deployment, ...])
    assert first.status is TaskStatus.RUNNING
    assert first.progress_percent == 40.0
    assert isinstance(first.progress_percent, float)
    assert second.id == UUID(TASK)
    assert second.status == "brand_new"
    assert not second.status.is_known


def test_a_dict_subclass_is_structured_like_a_dict() -> None:
    ordered = OrderedDict({"id": TASK, "type": "deploy", "status": "queued"})
    assert structure(ordered, Deployment) == Deployment(
        id=UUID(TASK), type="deploy", status=TaskStatus.QUEUED
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"has_more": "false"}, "expected a boolean"),
        ({"has_more": 1}, "expected a boolean"),
    ],
)
def test_a_bare_bool_field_is_as_strict_as_an_optional_one(
    payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        structure(payload, Pagination)


def test_a_bare_string_field_refuses_a_number() -> None:
    with pytest.raises(ValueError, match="expected a string"):
        structure(4, str)


def test_string_enums_still_structure_to_members() -> None:
    assert structure("completed", TaskStatus) is TaskStatus.COMPLETED
    assert structure("later_value", TaskStatus) == "later_value"


@pytest.mark.parametrize(
    "text",
    [TASK, TASK.upper(), "{" + TASK + "}", TASK.replace("-", ""), "urn:uuid:" + TASK],
)
def test_every_uuid_form_uuid_accepts_gives_the_same_uuid(text: str) -> None:
    parsed = structure({"id": text}, Deployment).id
    assert parsed == UUID(text)
    assert hash(parsed) == hash(UUID(text))
    assert str(parsed) == TASK
    assert parsed.is_safe == UUID(text).is_safe


@pytest.mark.parametrize(
    "text", [TASK[:-1] + "g", TASK + "0", " " + TASK, TASK.replace("-", "_", 1)]
)
def test_malformed_uuids_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a UUID"):
        structure({"id": text}, Deployment)


@pytest.mark.parametrize("module", ["cattrs", "importlib.metadata"])
def test_importing_the_package_leaves_first_use_modules_unloaded(module: str) -> None:
    code = f"import sys, oec_async; print({module!r} in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert completed.stdout.strip() == "False"


def test_the_version_is_still_read_from_the_metadata() -> None:
    from importlib.metadata import version

    assert oec_async.__version__ == version("oec-async")
