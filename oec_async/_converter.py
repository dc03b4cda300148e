"""The one cattrs converter that turns API JSON into models, and back.

Two converters are built by the same :func:`make_converter`: a fast one (no detailed
validation) used on every response, and a detailed one used only after the fast one failed, to
produce a message with JSON paths. Wrong types are errors, not coercions: a string where a
bool belongs would otherwise become ``True``.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar
from uuid import UUID, SafeUUID

import attrs

from ._enums import _OpenStrEnum

if TYPE_CHECKING:
    import cattrs

__all__ = ["describe_structure_error", "make_converter", "structure", "unstructure"]

T = TypeVar("T")


_CANONICAL_UUID: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
).fullmatch
_new_object: Final = object.__new__
_set_slot: Final = object.__setattr__
_SAFETY_UNKNOWN: Final = SafeUUID.unknown  # an enum member lookup costs more than the parse
# Ids repeat across responses (every item of a page has the same environment_id; a poll reads
# the same task again and again): parsed UUIDs are immutable, so they are shared, up to a bound.
_UUIDS: Final[dict[str, UUID]] = {}
_UUIDS_KEPT: Final = 4096


def _structure_uuid(value: Any, _: type) -> UUID:
    if value.__class__ is str:
        cached = _UUIDS.get(value)
        if cached is not None:
            return cached
        if _CANONICAL_UUID(value) is not None:
            # The form the API sends: build the UUID as UUID() would, minus its argument parsing.
            parsed = _new_object(UUID)
            _set_slot(parsed, "int", int(value.replace("-", ""), 16))
            _set_slot(parsed, "is_safe", _SAFETY_UNKNOWN)
            if len(_UUIDS) >= _UUIDS_KEPT:
                _UUIDS.clear()
            _UUIDS[value] = parsed
            return parsed
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a UUID string, got {type(value).__name__}")
    try:
        return UUID(value)
    except ValueError:
        raise ValueError(f"not a UUID: {value[:60]!r}") from None


def _structure_datetime(value: Any, _: type) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not an ISO 8601 timestamp: {value[:60]!r}") from None
    else:
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    # The API documents UTC; a timestamp without an offset is read as UTC, never as local time.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unstructure_datetime(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _structure_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _is_exactly(expected: object) -> Callable[[Any], bool]:
    def predicate(candidate: Any) -> bool:
        return bool(candidate == expected)

    return predicate


def _optional(hook: Callable[[Any, type], T]) -> Callable[[Any, type], T | None]:
    def structure_optional(value: Any, type_: type) -> T | None:
        return None if value is None else hook(value, type_)

    return structure_optional


StructureHook = Callable[[Any, type], Any]


def _objects_only(factory: Callable[[Any], StructureHook]) -> Callable[[Any], StructureHook]:
    """Wrap a model structure-hook factory so anything but a JSON object is refused.

    cattrs' generated functions test ``"field" in value``, so a string or a list where a nested
    object belongs would quietly become a model with every field ``None``.
    """

    def build(cls: Any) -> StructureHook:
        structure_fields = factory(cls)

        def structure_object(value: Any, type_: type) -> Any:
            if value.__class__ is not dict and not isinstance(value, dict):
                raise TypeError(f"expected a JSON object, got {_json_type(value)}")
            return structure_fields(value, type_)

        return structure_object

    return build


def make_converter(*, forbid_extra_keys: bool = False, detailed: bool = True) -> cattrs.Converter:
    """Build a converter configured for the OEC API.

    Args:
        forbid_extra_keys: Reject unknown fields (tests use it to catch drift between models
            and fixtures; production ignores unknown fields).
        detailed: Collect every error with its path (slower); the fast path uses ``False``.

    Returns:
        A new converter; models need no registration.
    """
    # cattrs is imported on first use: ``import oec_async`` should cost little more than
    # ``import aiohttp``.
    import cattrs
    from cattrs.preconf.json import make_converter as _make_json_converter

    from ._fast_structure import attrs_structure_factory

    converter = _make_json_converter(
        forbid_extra_keys=forbid_extra_keys, detailed_validation=detailed
    )
    converter.register_structure_hook(UUID, _structure_uuid)
    converter.register_unstructure_hook(UUID, str)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_unstructure_hook(_OpenStrEnum, lambda member: member.value)
    primitives: tuple[tuple[type, Callable[[Any, type], Any]], ...] = (
        (str, _structure_str),
        (bool, _structure_bool),
        (int, _structure_int),
        (float, _structure_float),
    )
    for exact, hook in primitives:
        # cattrs dispatches str/int/float by class before any predicate, with a bare
        # ``X(value)`` call (``bool("false")`` is True): the strict hooks must replace those.
        converter.register_structure_hook(exact, hook)
        # cattrs short-cuts ``X | None`` for primitives with a bare ``X(value)`` call, which
        # would coerce ``4`` into ``"4"``; route the optional form through the strict hook too.
        converter.register_structure_hook_func(_is_exactly(exact | None), _optional(hook))
    # Class dispatch follows the MRO, so the str/int hooks would now also catch string and
    # integer enums and return bare values: enums keep cattrs' ``Enum(value)`` call.
    for enum_base in (enum.StrEnum, enum.IntEnum):
        converter.register_structure_hook(enum_base, cattrs.BaseConverter._structure_call)
    object_factory: Callable[[Any], StructureHook] = converter.gen_structure_attrs_fromdict
    if not detailed and not forbid_extra_keys:
        # Specialised per-model functions with the strict hooks above inlined for the common
        # case; same results and errors, about three times faster than cattrs' own.
        object_factory = attrs_structure_factory(converter, {hook: t for t, hook in primitives})
    converter.register_structure_hook_factory(attrs.has, _objects_only(object_factory))
    return converter


@functools.cache
def _fast() -> cattrs.Converter:
    return make_converter(detailed=False)


@functools.cache
def _detailed() -> cattrs.Converter:
    return make_converter(detailed=True)


def structure(data: Any, cls: type[T]) -> T:
    """Structure JSON data into ``cls`` with the fast converter.

    Raises:
        ValueError: the data does not fit ``cls``; the message names every bad path (built by
            re-running the detailed converter, so the fast path pays nothing for it).
    """
    try:
        return _fast().structure(data, cls)
    except Exception as fast_error:
        raise ValueError(describe_structure_error(data, cls)) from fast_error


def _format_exception(exc: BaseException, type_: type | None) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ValueError | TypeError) and str(exc) and not str(exc).startswith("'"):
        return str(exc)
    import cattrs

    return cattrs.v.format_exception(exc, type_)


def describe_structure_error(data: Any, cls: type[Any]) -> str:
    """Explain why ``data`` does not structure into ``cls``, naming JSON paths."""
    name = getattr(cls, "__name__", str(cls))
    if attrs.has(cls) and not isinstance(data, dict):
        return f"expected a JSON object for {name} @ $, got {_json_type(data)}"
    import cattrs

    try:
        _detailed().structure(data, cls)
    except Exception as error:  # cattrs raises ClassValidationError, or a bare error on the root
        messages = cattrs.transform_error(error, path="$", format_exception=_format_exception)
        more = f" (+{len(messages) - 5} more)" if len(messages) > 5 else ""
        return "; ".join(messages[:5]) + more
    return f"could not read the body as {name}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else type(value).__name__
    )


def unstructure(value: Any) -> Any:
    """Turn a model (or a collection of them) into JSON-ready data."""
    return _fast().unstructure(value)
