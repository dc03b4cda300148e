"""The one cattrs converter that turns API JSON into models, and back.

Built by :func:`make_converter` from cattrs' public API only: its JSON preset, hooks for the
types JSON does not carry (UUID, datetime), strict hooks for the primitives, and
``cattrs.gen.make_dict_structure_fn`` for every attrs model. Wrong types are errors, not
coercions: a string where a bool belongs would otherwise become ``True``. Unknown fields are
ignored (the API adds fields over time); tests build a strict converter with
``forbid_extra_keys=True`` to catch drift between the models and the fixtures.
"""

from __future__ import annotations

import enum
import functools
import math
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from types import NoneType, UnionType
from typing import Any, Final, Literal, TypeVar
from uuid import UUID

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn
from cattrs.preconf.json import make_converter as make_json_converter

from ._enums import _OpenStrEnum
from ._models import SnapshotRef
from ._validation import parse_uuid

__all__ = ["describe_structure_error", "make_converter", "structure", "unstructure"]

T = TypeVar("T")
StructureHook = Callable[[Any, Any], Any]


def _structure_uuid(value: Any, _: type) -> UUID:
    return parse_uuid(value)


def _structure_optional_uuid(value: Any, _: type) -> UUID | None:
    return None if value is None else parse_uuid(value)


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 timestamp: {value[:60]!r}") from None
    else:
        raise TypeError(f"expected an ISO 8601 string, got {_json_type(value)}")
    # The API documents UTC; a timestamp without an offset is read as UTC, never as local time.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _structure_optional_datetime(value: Any, _: type) -> datetime | None:
    return None if value is None else _structure_datetime(value, datetime)


def _unstructure_datetime(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_json_type(value)}")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {_json_type(value)}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {_json_type(value)}")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):  # NaN, Infinity, or 1e400 read as inf
            raise ValueError(f"expected a finite number, got {value!r}")
        return number
    raise TypeError(f"expected a number, got {_json_type(value)}")


@functools.cache
def _members(cls: type[enum.Enum]) -> dict[object, enum.Enum]:
    return {member.value: member for member in cls}


def _structure_enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    """``cls(value)``, with the known values looked up first (the common case, and cheaper)."""
    member = _members(cls).get(value) if value.__class__ in (str, int) else None
    # The open enums turn unknown strings into pseudo-members; others raise ValueError.
    return member if member is not None else cls(value)


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _is_optional(type_: Any) -> bool:
    if typing.get_origin(type_) not in (UnionType, typing.Union):
        return False
    args = typing.get_args(type_)
    return len(args) == 2 and NoneType in args


_EXACT_PRIMITIVES: Final[dict[type, StructureHook]] = {
    str: _structure_str,
    bool: _structure_bool,
    int: _structure_int,
    float: _structure_float,
}


def _optional_hook(type_: Any, converter: cattrs.Converter) -> StructureHook:
    """``X | None``: the hook of ``X`` looked up once (cattrs' own looks it up on every call).

    The common case, a value that already is what the field holds, returns without a further
    call; anything else goes to the strict hook of ``X``, which decides.
    """
    inner = next(arg for arg in typing.get_args(type_) if arg is not NoneType)
    if inner in (str, bool, int):
        strict = _EXACT_PRIMITIVES[inner]

        def structure_exact(value: Any, _: Any) -> Any:
            if value is None or value.__class__ is inner:
                return value
            return strict(value, inner)

        return structure_exact
    if inner is float:

        def structure_float(value: Any, _: Any) -> float | None:
            # The comparison is False for NaN and the infinities: those go to the strict hook.
            if value is None or (value.__class__ is float and -math.inf < value < math.inf):
                return value
            if value.__class__ is int:  # ``100``, as percentages often come
                return float(value)
            return _structure_float(value, float)

        return structure_float
    if inner is UUID:
        return _structure_optional_uuid
    if inner is datetime:
        return _structure_optional_datetime
    if _is_enum(inner):
        members = _members(inner)

        def structure_member(value: Any, _: Any) -> Any:
            member = members.get(value) if value.__class__ is str else None
            if member is not None or value is None:
                return member
            return _structure_enum(value, inner)

        return structure_member
    hook = converter.get_structure_hook(inner)

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _model_hook(converter: cattrs.Converter) -> Callable[[Any], StructureHook]:
    """The hook factory for attrs models: cattrs' generated function, objects only.

    cattrs' generated functions test ``"field" in value``, so a string or a list where a nested
    object belongs would quietly become a model with every field ``None``.
    """

    def build(cls: Any) -> StructureHook:
        # A snapshot copies whatever the object held then: its other fields are never drift.
        forbid: bool | Literal["from_converter"] = False if cls is SnapshotRef else "from_converter"
        structure_fields = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=forbid)

        def structure_object(value: Any, type_: Any) -> Any:
            if not isinstance(value, dict):
                raise TypeError(f"expected a JSON object, got {_json_type(value)}")
            return structure_fields(value, type_)

        return structure_object

    return build


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """Build a converter configured for the OEC API.

    Args:
        forbid_extra_keys: Reject unknown fields (tests use it to catch drift between models
            and fixtures; production ignores unknown fields).

    Returns:
        A new converter; models need no registration.
    """
    converter = make_json_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(UUID, _structure_uuid)
    converter.register_unstructure_hook(UUID, str)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_unstructure_hook(_OpenStrEnum, lambda member: member.value)
    for exact, hook in _EXACT_PRIMITIVES.items():
        # cattrs' own primitive hooks call ``X(value)`` (``bool("false")`` is True).
        converter.register_structure_hook(exact, hook)
    # Class dispatch follows the MRO: the str/int hooks would also catch the string and integer
    # enums and return bare values.
    for enum_base in (enum.StrEnum, enum.IntEnum):
        converter.register_structure_hook(enum_base, _structure_enum)
    converter.register_structure_hook_factory(_is_optional, _optional_hook)
    converter.register_structure_hook_factory(attrs.has, _model_hook(converter))
    return converter


@functools.cache
def _converter() -> cattrs.Converter:
    return make_converter()


@functools.cache
def _structure_hook(cls: Any) -> StructureHook:
    # ``converter.structure`` dispatches on every call; the hook of a type never changes.
    return _converter().get_structure_hook(cls)


def structure(data: Any, cls: type[T]) -> T:
    """Structure JSON data into ``cls``.

    Raises:
        ValueError: the data does not fit ``cls``; the message names every bad path.
    """
    try:
        return _structure_hook(cls)(data, cls)  # type: ignore[arg-type,no-any-return]
    except Exception as error:  # cattrs' validation groups, or a bare error on the root
        raise ValueError(describe_structure_error(error, data, cls)) from error


def _format_exception(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValueError | TypeError) and str(exc) and not str(exc).startswith("'"):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def describe_structure_error(error: BaseException, data: Any, cls: type[Any]) -> str:
    """Explain a structuring failure of ``data`` into ``cls``, naming JSON paths."""
    name = getattr(cls, "__name__", str(cls))
    if attrs.has(cls) and not isinstance(data, dict):
        return f"expected a JSON object for {name} @ $, got {_json_type(data)}"
    if isinstance(error, RecursionError | MemoryError | OverflowError):
        return f"could not read the body as {name}: {type(error).__name__}"
    messages = cattrs.transform_error(error, path="$", format_exception=_format_exception)
    more = f" (+{len(messages) - 5} more)" if len(messages) > 5 else ""
    return "; ".join(messages[:5]) + more


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    names: dict[type, str] = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }
    return names.get(type(value), type(value).__name__)


def unstructure(value: Any) -> Any:
    """Turn a model (or a collection of them) into JSON-ready data."""
    return _converter().unstructure(value)
