"""Property: every response model survives a JSON round trip, and bad JSON fails the documented way.

Models are generated from their own field types (so a model added later is covered without
editing this file), sent through ``json.dumps``/``json.loads`` as the API would send them, and
read back. Extra fields and unknown enum values must be tolerated; wrong types must raise
``ValueError`` naming the field; ``structure`` must agree with the converter it wraps.
"""

from __future__ import annotations

import enum
import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import attrs
import cattrs
import pytest
from hardening_support import PROPERTY
from hypothesis import given, settings, strategies as st

import oec_async
from oec_async import Deployment, Page
from oec_async._converter import make_converter, structure, unstructure
from oec_async._enums import _OpenStrEnum

CONVERTER = make_converter()


def _response_models() -> list[type[Any]]:
    found = []
    for name in oec_async.__all__:
        candidate = getattr(oec_async, name)
        if (
            isinstance(candidate, type)
            and attrs.has(candidate)
            and candidate.__module__.startswith("oec_async._models")
            and candidate is not Page
        ):
            attrs.resolve_types(candidate)
            found.append(candidate)
    return found


MODELS = _response_models()

_offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_datetimes = st.datetimes(
    min_value=datetime(1970, 1, 2),  # noqa: DTZ001 - hypothesis takes naive bounds
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC) | _offsets,
)
_texts = st.text(max_size=30)


def _enum_values(cls: type[enum.Enum]) -> st.SearchStrategy[Any]:
    known = st.sampled_from(list(cls))
    if issubclass(cls, _OpenStrEnum):
        values = {member.value for member in cls}
        unknown = _texts.filter(lambda v: v not in values).map(cls)
        return known | unknown
    return known


def strategy_for(type_: Any) -> st.SearchStrategy[Any]:
    """A strategy of valid values for a model field's type."""
    origin = typing.get_origin(type_)
    args = typing.get_args(type_)
    if origin in (types.UnionType, typing.Union):
        return st.one_of([st.none() if a is type(None) else strategy_for(a) for a in args])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
    if origin is not None and attrs.has(origin):  # Page[Deployment]
        return _model_strategy(type_)
    if isinstance(type_, type):
        if issubclass(type_, enum.Enum):
            return _enum_values(type_)
        if attrs.has(type_):
            return _model_strategy(type_)
        simple: dict[type, st.SearchStrategy[Any]] = {
            bool: st.booleans(),
            int: st.integers(min_value=-(2**63), max_value=2**63),
            float: st.floats(allow_nan=False, allow_infinity=False),
            str: _texts,
            UUID: st.uuids(),
            datetime: _datetimes,
        }
        if type_ in simple:
            return simple[type_]
    raise TypeError(f"no strategy for field type {type_!r}: teach strategy_for about it")


def _model_strategy(cls: Any) -> st.SearchStrategy[Any]:
    target = typing.get_origin(cls) or cls
    hints = typing.get_type_hints(target)
    if typing.get_origin(cls) is not None:  # substitute the generic parameter
        params = dict(zip(target.__parameters__, typing.get_args(cls), strict=True))
        hints = {
            k: params.get(v, v) if not typing.get_args(v) else _subst(v, params)
            for k, v in hints.items()
        }
    fields = {f.name: strategy_for(hints[f.name]) for f in attrs.fields(target) if f.init}
    return st.builds(target, **fields)


def _subst(type_: Any, params: dict[Any, Any]) -> Any:
    origin = typing.get_origin(type_)
    args = tuple(params.get(a, a) for a in typing.get_args(type_))
    generic: Any = tuple if origin is tuple else origin
    return generic[args]


def _wire(model: Any) -> Any:
    """What the API would send for ``model``: unstructured, through real JSON text."""
    return json.loads(json.dumps(unstructure(model)))


MODEL_STRATEGIES = {cls: _model_strategy(cls) for cls in MODELS}
models = st.sampled_from(MODELS)
MANY = settings(PROPERTY, max_examples=150)


@MANY
@given(cls=models, data=st.data())
def test_every_model_round_trips_through_json(cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(MODEL_STRATEGIES[cls])
    assert structure(_wire(model), cls) == model


@PROPERTY
@given(page=_model_strategy(Page[Deployment]))
def test_a_page_of_deployments_round_trips(page: Page[Deployment]) -> None:
    assert structure(_wire(page), Page[Deployment]) == page


_extra_names = st.text(min_size=1, max_size=12)
_extra_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=6,
)


def _add_extras(value: Any, draw: Any) -> Any:
    """Add unknown keys to every JSON object in ``value`` (recursively)."""
    if isinstance(value, dict):
        extended = {k: _add_extras(v, draw) for k, v in value.items()}
        for name, extra in draw(st.dictionaries(_extra_names, _extra_values, max_size=3)).items():
            extended.setdefault(name, extra)
        return extended
    if isinstance(value, list):
        return [_add_extras(v, draw) for v in value]
    return value


@MANY
@given(cls=models, data=st.data())
def test_extra_fields_anywhere_are_ignored(cls: type[Any], data: st.DataObject) -> None:
    model = data.draw(MODEL_STRATEGIES[cls])
    wire = _add_extras(_wire(model), data.draw)
    assert structure(wire, cls) == model


def _enum_fields(cls: type[Any]) -> list[str]:
    """Fields holding one open enum value (``X`` or ``X | None``), not collections of them."""
    hints = typing.get_type_hints(cls)
    names = []
    for field in attrs.fields(cls):
        type_ = hints[field.name]
        inner = [a for a in typing.get_args(type_) if a is not type(None)] or [type_]
        if len(inner) == 1 and isinstance(inner[0], type) and issubclass(inner[0], _OpenStrEnum):
            names.append(field.name)
    return names


OPEN_ENUM_MODELS = [cls for cls in MODELS if _enum_fields(cls)]


@MANY
@given(cls=st.sampled_from(OPEN_ENUM_MODELS), data=st.data(), value=_texts)
def test_unknown_status_values_are_kept_not_fatal(
    cls: type[Any], data: st.DataObject, value: str
) -> None:
    wire = _wire(data.draw(MODEL_STRATEGIES[cls]))
    name = data.draw(st.sampled_from(_enum_fields(cls)))
    wire[name] = value
    model = structure(wire, cls)
    read = getattr(model, name)
    assert read == value
    assert read.is_known == (read.value in {m.value for m in type(read)})


# --- wrong types: ValueError naming the field, and the converter agrees --

_WRONG: dict[Any, list[Any]] = {
    str: [1, 2.5, True, [], {}],
    int: ["1", 1.5, True, [], {}],
    float: ["1.0", True, [], {}],
    bool: [1, 0, "true", [], {}],
    UUID: ["not-a-uuid", 12, [], {}],
    datetime: ["yesterday", 1_700_000_000, [], {}],
}


def _wrong_values(type_: Any) -> list[Any]:
    inner = [a for a in typing.get_args(type_) if a is not type(None)] or [type_]
    base = inner[0]
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return [5, [], {}]
    if isinstance(base, type) and attrs.has(base):
        return ["x", 5, []]
    if typing.get_origin(base) is tuple:
        return ["x", 5, {}]
    return _WRONG.get(base, [])


@MANY
@given(cls=models, data=st.data())
def test_a_wrong_type_raises_value_error_naming_the_field(
    cls: type[Any], data: st.DataObject
) -> None:
    wire = _wire(data.draw(MODEL_STRATEGIES[cls]))
    hints = typing.get_type_hints(cls)
    candidates = [f.name for f in attrs.fields(cls) if _wrong_values(hints[f.name])]
    name = data.draw(st.sampled_from(candidates))
    wire[name] = data.draw(st.sampled_from(_wrong_values(hints[name])))
    with pytest.raises(ValueError, match=rf"\$\.{name}\b") as caught:
        structure(wire, cls)
    with pytest.raises(cattrs.BaseValidationError):
        CONVERTER.structure(wire, cls)
    assert not isinstance(caught.value, TypeError)


MODELS_WITH_REQUIRED = [
    cls for cls in MODELS if any(f.default is attrs.NOTHING for f in attrs.fields(cls))
]


@PROPERTY
@given(cls=st.sampled_from(MODELS_WITH_REQUIRED), data=st.data())
def test_a_missing_required_field_is_named(cls: type[Any], data: st.DataObject) -> None:
    required = [f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING]
    wire = _wire(data.draw(MODEL_STRATEGIES[cls]))
    name = data.draw(st.sampled_from(required))
    del wire[name]
    with pytest.raises(ValueError, match=rf"required field missing @ \$\.{name}\b"):
        structure(wire, cls)


_any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=4),
    max_leaves=10,
)


@MANY
@given(cls=models, data=st.data())
def test_any_json_either_structures_like_the_converter_or_raises_value_error(
    cls: type[Any], data: st.DataObject
) -> None:
    # Start from a valid body and damage one field with an arbitrary JSON value.
    wire = _wire(data.draw(MODEL_STRATEGIES[cls]))
    if wire:
        name = data.draw(st.sampled_from(sorted(wire)))
        wire[name] = data.draw(_any_json)
    try:
        expected = CONVERTER.structure(wire, cls)
    except cattrs.BaseValidationError:
        with pytest.raises(ValueError, match=r"@ \$"):
            structure(wire, cls)
    else:
        assert structure(wire, cls) == expected
