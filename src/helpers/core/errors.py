"""One root exception; each subclass says when it is raised. The CLI turns these into a
one-line message on stderr (file and place first) and exit status 2."""

from __future__ import annotations

from pathlib import Path


class HelpersError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None,
                 where: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.where = where

    def location(self) -> str:
        """Where the error is, as "path[:line][ (where)]"; "" when the error names no path."""
        if self.path is None:
            return ""
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
        if self.where:
            loc += f" ({self.where})"
        return loc

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


class InputError(HelpersError):
    """Raised when an input file cannot be used: unreadable, wrong encoding, not the template."""


class DecodeError(InputError):
    """Raised when a text file's bytes are not UTF-8 (with or without BOM) nor GB18030/GBK."""


class TemplateError(InputError):
    """Raised when a text does not follow the disclosure template (no headings, truncated project)."""


class SchemaError(InputError):
    """Raised when a table misses a declared column or holds a value of the wrong type."""


class ParameterError(InputError):
    """Raised when report parameters do not match what the notebook declares."""


class UnknownProjectError(InputError):
    """Raised when a project id or year is not in the ingested catalogue."""


class SyntheticDataError(InputError):
    """Raised when a build would publish synthetic test data (helpers.ingest.synthetic) without
    ``--allow-synthetic``."""


class ScoringError(InputError):
    """Raised when a self-evaluation table breaks a scoring rule (points, direction, tiers)."""


class UsageError(InputError):
    """Raised when the command line itself is wrong (an unknown option, a bad value)."""


class BuildError(HelpersError):
    """Raised when one or more reports of a batch failed (each failure is named)."""

    exit_code = 1


def from_os_error(exc: OSError) -> InputError:
    """An OS error (permission denied, read-only file system, a symlink loop, a full disk…) as a
    one-line InputError naming the file."""
    reason = exc.strerror or type(exc).__name__
    path = exc.filename
    if exc.filename2:
        reason += f" (→ {exc.filename2})"
    return InputError(reason[:1].lower() + reason[1:], path=path)
