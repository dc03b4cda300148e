"""Specialised structure functions for attrs models: the fast converter's hot path.

cattrs also generates one function per model, but it calls a hook for every field, re-dispatches
each ``X | None`` on every call and gathers optional fields into a dict for ``**kwargs``. The
functions built here check the common case of each field inline (an exact ``str`` where a
``str`` belongs, a known enum value) and hand everything else to the very hook cattrs would have
called, so what is accepted, rejected and returned stays the same; only the cost changes.

Only the fast converter uses them: failures are explained by the detailed cattrs converter.
"""

from __future__ import annotations

import enum
import linecache
import typing
from collections.abc import Callable, Mapping
from types import NoneType, UnionType
from typing import Any

import attrs
from cattrs import BaseConverter
from cattrs.gen import make_dict_structure_fn

__all__ = ["attrs_structure_factory"]

StructureHook = Callable[[Any, Any], Any]

_CALL_HOOK: StructureHook = BaseConverter._structure_call


def attrs_structure_factory(
    converter: BaseConverter, identity_hooks: Mapping[StructureHook, type]
) -> Callable[[type], StructureHook]:
    """A cattrs hook factory building a specialised structure function per attrs class.

    Args:
        converter: The converter whose hooks the generated code calls for anything uncommon.
        identity_hooks: Hooks that return their input unchanged when it is exactly of the
            mapped type (strict ``str``/``int``/``float``/``bool`` hooks); the generated code
            skips the call in that case.
    """

    def factory(cls: type) -> StructureHook:
        parameters: object = getattr(cls, "__parameters__", ())
        if typing.get_origin(cls) is not None or parameters:
            return make_dict_structure_fn(cls, converter)  # generics: cattrs resolves T
        return _build(cls, converter, identity_hooks)

    return factory


def _split_optional(type_: Any) -> tuple[Any, bool]:
    """``X | None`` -> ``(X, True)``; anything else -> ``(type_, False)``."""
    if typing.get_origin(type_) in (UnionType, typing.Union):
        args = typing.get_args(type_)
        if len(args) == 2 and NoneType in args:
            return (args[0] if args[1] is NoneType else args[1]), True
    return type_, False


def _build(
    cls: type, converter: BaseConverter, identity_hooks: Mapping[StructureHook, type]
) -> StructureHook:
    hints = typing.get_type_hints(cls)
    name = f"fast_structure_{cls.__name__}"
    namespace: dict[str, Any] = {
        "__cl": cls,
        "__dict": dict,
        "__str": str,
        "__generic": make_dict_structure_fn(cls, converter),
    }
    lines = [
        f"def {name}(o, _=None):",
        "  if o.__class__ is not __dict:",  # a Mapping that is not a dict: cattrs' own code
        "    return __generic(o, _)",
    ]
    call_args: list[str] = []
    uses_res = False
    for index, field in enumerate(attrs.fields(cls)):
        if not field.init:
            continue
        inner, optional = _split_optional(hints[field.name])
        hook = converter.get_structure_hook(inner)
        value = f"v{index}"
        namespace[f"__h{index}"] = hook
        namespace[f"__t{index}"] = inner
        check = _check(value, index, inner, hook, identity_hooks, namespace)
        key = repr(field.name)
        if field.default is attrs.NOTHING:
            lines.append(f"  {value} = o[{key}]")
            lines.extend("  " + line for line in check)
            call_args.append(f"{field.alias}={value}")
        elif optional and field.default is None:
            lines.append(f"  {value} = o.get({key})")
            lines.append(f"  if {value} is not None:")
            lines.extend("    " + line for line in check)
            call_args.append(f"{field.alias}={value}")
        else:  # a field with another default: left out when the key is absent, as cattrs does
            if not uses_res:
                lines.insert(3, "  res = {}")
                uses_res = True
            lines.append(f"  if {key} in o:")
            lines.append(f"    {value} = o[{key}]")
            if optional:
                lines.append(f"    if {value} is not None:")
                lines.extend("      " + line for line in check)
            else:
                lines.extend("    " + line for line in check)
            lines.append(f"    res[{field.alias!r}] = {value}")
    if uses_res:
        call_args.append("**res")
    lines.append(f"  return __cl({', '.join(call_args)})")
    source = "\n".join(lines) + "\n"
    filename = f"<oec_async fast structure {cls.__module__}.{cls.__qualname__}>"
    exec(compile(source, filename, "exec"), namespace)  # source built from attrs fields only
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    function: StructureHook = namespace[name]
    return function


def _check(
    value: str,
    index: int,
    inner: Any,
    hook: StructureHook,
    identity_hooks: Mapping[StructureHook, type],
    namespace: dict[str, Any],
) -> list[str]:
    """Lines that turn the raw ``value`` into the field's value (or raise, as the hook would)."""
    exact = identity_hooks.get(hook)
    if exact is not None:
        namespace[f"__x{index}"] = exact
        return [
            f"if {value}.__class__ is not __x{index}:",
            f"  {value} = __h{index}({value}, __t{index})",
        ]
    if hook is _CALL_HOOK and isinstance(inner, type) and issubclass(inner, enum.Enum):
        # ``Enum(value)`` looks the value up first: do the lookup here, call only on a miss.
        namespace[f"__m{index}"] = {member.value: member for member in inner}
        return [
            f"m = __m{index}.get({value}) if {value}.__class__ is __str else None",
            f"{value} = __h{index}({value}, __t{index}) if m is None else m",
        ]
    return [f"{value} = __h{index}({value}, __t{index})"]
