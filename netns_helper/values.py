# SPDX-License-Identifier: GPL-3.0-or-later
"""Immutable value classes for the start path: frozen dataclasses' behaviour, at less start-up cost.

`@value` gives a class what `@dataclass(frozen=True)` gives it (an `__init__` of its annotated
fields in order, with defaults and `field(...)`; equality and hashing on the compared fields;
`repr`; no assignment after construction; `replace`), and mypy checks it as a frozen dataclass
(`dataclass_transform`). It exists because `dataclasses` imports `inspect` (and with it `ast`,
`dis`, `tokenize`) and compiles each method of each class with `exec`: together about a quarter
of the CPU time of a whole `start` (issue 15's measurements, in the README's benchmark section).
Here the methods are shared closures: nothing is compiled when a class is made.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> object:
        return lambda decorated: decorated


_MISSING: Any = object()


class _Field:
    __slots__ = ("compare", "default", "factory", "repr")

    def __init__(self, default: Any, factory: Callable[[], Any] | None, compare: bool, repr: bool) -> None:
        self.default = default
        self.factory = factory
        self.compare = compare
        self.repr = repr


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    compare: bool = True,
    repr: bool = True,
) -> Any:
    """A field's default (or a factory of it), and whether equality and repr look at it."""
    return _Field(default, default_factory, compare, repr)


class FrozenInstanceError(AttributeError):
    """Assigning to a value's field (as `dataclasses.FrozenInstanceError`)."""


def _frozen(self: object, name: str, value: object = None) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def value(cls: type[T]) -> type[T]:
    """Make CLS an immutable value class of its annotated fields (see the module's docstring)."""
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(getattr(base, "__value_fields__", {}))
    for name in cls.__dict__.get("__annotations__", {}):  # noqa: RUF063 (inspect is what we avoid)
        spec = cls.__dict__.get(name, _MISSING)
        if not isinstance(spec, _Field):
            spec = _Field(spec, None, True, True)
        if spec.default is _MISSING:
            if name in cls.__dict__:
                delattr(cls, name)
        else:
            setattr(cls, name, spec.default)
        fields[name] = spec
    names = tuple(fields)
    compared = tuple(n for n in names if fields[n].compare)
    shown = tuple(n for n in names if fields[n].repr)
    qualname = cls.__qualname__

    count, named = len(names), frozenset(names)

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        if not kwargs and len(args) == count:  # the parsers' way, hundreds of thousands of times
            self.__dict__.update(zip(names, args, strict=False))
            return
        if not args and len(kwargs) == count and kwargs.keys() == named:
            self.__dict__.update([(name, kwargs[name]) for name in names])
            return
        if len(args) > count:
            raise TypeError(f"{qualname}() takes {count} arguments, {len(args)} given")
        state = self.__dict__
        state.update(zip(names, args, strict=False))
        for name in names[len(args) :]:
            if name in kwargs:
                state[name] = kwargs.pop(name)
                continue
            spec = fields[name]
            if spec.factory is not None:
                state[name] = spec.factory()
            elif spec.default is not _MISSING:
                state[name] = spec.default
            else:
                raise TypeError(f"{qualname}() is missing its argument {name!r}")
        if kwargs:
            raise TypeError(f"{qualname}() got unexpected arguments {', '.join(map(repr, kwargs))}")

    def key(self: object) -> tuple[object, ...]:
        state = self.__dict__
        return tuple([state[n] for n in compared])

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return key(self) == key(other)

    def __hash__(self: object) -> int:
        return hash(key(self))

    def __repr__(self: object) -> str:
        state = self.__dict__
        return f"{qualname}({', '.join(f'{n}={state[n]!r}' for n in shown)})"

    methods: dict[str, object] = {
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__repr__": __repr__,
        "__setattr__": _frozen,
        "__delattr__": _frozen,
    }
    for method, function in methods.items():
        if method not in cls.__dict__:
            setattr(cls, method, function)
    setattr(cls, "__init__", __init__)  # noqa: B010 (mypy: "cannot assign to a method")
    setattr(cls, "__value_fields__", fields)  # noqa: B010
    setattr(cls, "__match_args__", names)  # noqa: B010
    return cls


def replace(obj: T, **changes: Any) -> T:
    """A copy of the value OBJ with CHANGES to its fields (as `dataclasses.replace`)."""
    names: dict[str, _Field] = getattr(obj, "__value_fields__")  # noqa: B009
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {', '.join(sorted(unknown))}")
    state = obj.__dict__
    return type(obj)(**{n: changes[n] if n in changes else state[n] for n in names})


def asdict(obj: object) -> Any:
    """OBJ's fields as a dict, values within it too, tuples as lists (as `dataclasses.asdict` for JSON)."""
    names = getattr(obj, "__value_fields__", None)
    if names is not None:
        state = obj.__dict__
        return {n: asdict(state[n]) for n in names}
    if isinstance(obj, tuple | list):
        return [asdict(x) for x in obj]
    return obj
