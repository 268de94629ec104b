"""The command-line commands, one module each, and their registry (in ``--help`` order).

A command module exposes ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``
and keeps heavy imports inside ``run``, so ``--help`` stays fast. Adding a command: write the
module, then add it to the registration block below.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from helpers.core.registry import Registry


@dataclass(frozen=True)
class Command:
    """One sub-command of ``python -m helpers``."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]

    @classmethod
    def from_module(cls, module: ModuleType) -> Command:
        """The command a module defines (``NAME``, ``HELP``, ``add_arguments``, ``run``)."""
        return cls(module.NAME, module.HELP, module.add_arguments, module.run)


registry: Registry[Command] = Registry("command", key=lambda c: c.name)
"""The commands, in the order ``--help`` lists them."""


def _register_all() -> None:
    from helpers.commands import audit, build, ingest, params, score, workbook

    for module in (ingest, audit, score, workbook, params, build):
        registry.register(Command.from_module(module))


_register_all()
