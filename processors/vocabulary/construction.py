"""Cheap construction of frozen dataclasses on the hot paths: the readers' events, the core's
inputs. It imports nothing of meterflow, so it lives in the vocabulary, which every layer
may import (docs/decisions.md D54).

A frozen dataclass's generated `__init__` sets every field through
`object.__setattr__`, which costs several times more than the parsing of the record.
`constructor(cls)` returns a keyword-only function that builds the same object (same
fields, same defaults, equal and hashing the same) by setting the slots directly.
It refuses classes with a `__post_init__` (whose checks it would skip) and fields with a
`default_factory`.

It goes one step further where CPython allows it: the object is born as an instance of
a twin class, a subclass of `cls` that adds no slot and sets `__setattr__` and
`__delattr__` back to `object`'s (the frozen class defines both; with either left,
attribute stores take the slow generic path), so its attributes are stored at the speed
of ordinary slot stores; then it takes its real class (`__class__` assignment, which
CPython allows between classes of the same layout; from a subclass that adds nothing it
skips the comparison of the two classes' slots that a sibling class costs, about 40 %
of the assignment). The result is an instance of `cls` like any other; it costs half as
much as setting the frozen slots one descriptor call at a time. The twin shows in
`cls.__subclasses__()`; it is no module's attribute, which the walks over the event
classes (`processors.codecs.serde.event_classes`) skip. A class with a (single) base,
such as the events, gets a twin only when asked (`derived=True`): the walks over the
core's inputs (`Input.__subclasses__()`) would find theirs.

`templated(cls, *varying)` builds from a tuple of the other fields' values, shared by
many objects, and the varying ones: for records whose fields mostly repeat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def constructor(cls: type[T], *, positional: bool = False, derived: bool = False) -> Callable[..., T]:
    """A keyword-only builder of `cls` equivalent to `cls(**kwargs)`, without its
    per-field `object.__setattr__` calls. `positional`: every field, positionally, in
    field order, no defaults (for rebuilding objects from their values). `derived`: a
    class with a base is built through a twin too (see the module doc)."""
    specs = _fields(cls)
    params = []
    defaults: dict[str, Any] = {}
    for spec in specs:
        name = spec.name
        if spec.default is not dataclasses.MISSING and not positional:
            defaults[f"default_{name}"] = spec.default
            params.append(f"{name}=default_{name}")
        elif spec.default_factory is not dataclasses.MISSING and not positional:
            raise TypeError(f"{cls.__name__}.{name}: fields with a default_factory are not supported")
        else:
            params.append(name)
    signature = ", ".join(params) if positional else f"*, {', '.join(params)}"
    stores = [(spec.name, spec.name) for spec in specs]
    return _compile(cls, signature, stores, [], defaults, derived)


def templated(cls: type[T], *varying: str, derived: bool = False) -> Callable[..., T]:
    """A builder `build(template, *varying)` of `cls`: `template` is the tuple of the
    values of every field but `varying`, in field order; `varying` the others' values,
    in the order named. The same object as `cls(**fields)`."""
    names = [spec.name for spec in _fields(cls)]
    if not varying or not set(varying) <= set(names) or len(set(varying)) != len(varying):
        raise TypeError(f"{cls.__name__}: varying fields {varying!r} are not distinct fields")
    shared = [name for name in names if name not in varying]
    signature = ", ".join(("template", *varying))
    return _compile(cls, signature, [(name, name) for name in varying], shared, {}, derived)


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        raise TypeError(f"{cls.__name__}: only slotted dataclasses without __post_init__")
    return dataclasses.fields(cls)


def _compile(  # noqa: PLR0917 - the parts of one generated function
    cls: type[T],
    signature: str,
    stores: list[tuple[str, str]],
    unpacked: list[str],
    defaults: dict[str, Any],
    derived: bool,
) -> Callable[..., T]:
    """`def build(signature)` setting field <- expression for each of `stores` and the
    fields `unpacked` from the parameter `template`."""
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, **defaults}
    twin = _twin(cls, derived)
    if twin is not None:
        namespace["twin"] = twin
        body = [f"    obj.{name} = {value}" for name, value in stores]
        if unpacked:
            body.append(f"    {', '.join(f'obj.{name}' for name in unpacked)}, = template")
        source = f"def build({signature}):\n    obj = twin()\n" + "\n".join(body)
        source += "\n    obj.__class__ = cls\n    return obj"
    else:
        body = []
        for name in [name for name, _ in stores] + unpacked:
            holder = next(klass for klass in cls.__mro__ if name in vars(klass))
            namespace[f"set_{name}"] = vars(holder)[name].__set__
        body = [f"    set_{name}(obj, {value})" for name, value in stores]
        if unpacked:
            body.append(f"    {', '.join(f'value_{name}' for name in unpacked)}, = template")
            body += [f"    set_{name}(obj, value_{name})" for name in unpacked]
        source = f"def build({signature}):\n    obj = new(cls)\n" + "\n".join(body) + "\n    return obj"
    exec(source, namespace)  # built from the dataclass's own field names only
    build: Callable[..., T] = namespace["build"]
    build.__name__ = f"build_{cls.__name__}"
    return build


def _twin(cls: type, derived: bool) -> type | None:
    """A subclass of `cls` with plain attribute stores that its instances can leave for
    `cls`, or None when `cls` does not allow it (several bases, slots that are not its
    fields, a `__new__` of its own) or has a base and `derived` is False."""
    slots = vars(cls)["__slots__"]
    if len(cls.__bases__) != 1 or not set(slots) <= {spec.name for spec in dataclasses.fields(cls)}:
        return None
    (base,) = cls.__bases__
    if base is not object and not derived:
        return None
    own_new: Any = cls.__new__
    if own_new is not object.__new__:
        return None
    # Called with no arguments (`twin()`: a third fewer instructions than
    # `object.__new__(twin)`, which packs and slices its arguments), so it must not run
    # the class's `__init__`. No slots of its own: the layout stays `cls`'s.
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__init__": object.__init__,
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    twin = type(f"_{cls.__name__}Twin", (cls,), namespace)
    try:
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:
        return None
    return twin
