"""One generic registry for every pluggable part of the pipeline.

Metrics, indicators, scoring methods, audit checks and command-line commands are each held in a
:class:`Registry`. The rule is the same everywhere: items are kept in registration order (which is
the order they are applied and shown), a name is registered once (a second registration raises),
and looking up an unknown name raises the registry's error with the known names listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class DuplicateNameError(ValueError):
    """A name registered twice in the same registry."""


class Registry(Generic[T]):
    """Named items in registration order; duplicate names raise.

    ``kind`` names the items in messages ("indicator", "scoring method"); ``key`` gives an item's
    name (its ``id`` attribute by default); ``validate`` is called on each item before it is added
    and may raise; ``error`` is the exception class raised for an unknown name (``KeyError`` by
    default, a :class:`helpers.core.errors.HelpersError` where an unknown name is bad input).
    """

    def __init__(self, kind: str, *, key: Callable[[T], str] = lambda item: item.id,  # type: ignore[attr-defined]
                 validate: Callable[[T], None] | None = None,
                 error: Callable[[str], Exception] = KeyError) -> None:
        self.kind = kind
        self._key = key
        self._validate = validate
        self._error = error
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        """Add ``item`` under its name and return it; raise DuplicateNameError if the name is taken."""
        name = self._key(item)
        if name in self._items:
            raise DuplicateNameError(f"{self.kind} {name!r} is already registered")
        if self._validate is not None:
            self._validate(item)
        self._items[name] = item
        return item

    def get(self, name: str) -> T:
        """The item registered as ``name``; the registry's error, listing the known names, if none."""
        try:
            return self._items[str(name)]
        except KeyError:
            known = ", ".join(self._items)
            raise self._error(f"unknown {self.kind} {name!r} (known: {known})") from None

    def all(self) -> list[T]:
        """Every item, in registration order."""
        return list(self._items.values())

    def names(self) -> list[str]:
        """Every name, in registration order."""
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} {self.kind}(s): {', '.join(self._items)}>"
