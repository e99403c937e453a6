"""Named failures. Each message says what went wrong, where, and how to fix it.

The CLI turns any :class:`CspkitError` into a one-paragraph message and exit code 2
(never a traceback), so the text of these messages is part of the user interface.
"""


class CspkitError(Exception):
    """Base class: an error the user can act on."""


class SourceFormatError(CspkitError):
    """A file is not in a format cspkit knows, or is malformed.

    Carries the file, and where known the line and column, so tests and callers can
    check the location without parsing the message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column
        self.detail = message


class UnknownLayout(SourceFormatError):
    """The header matches none of the layouts cspkit can read."""


class UnknownArea(CspkitError):
    """An area name that matches no known area code."""


class UnknownOffence(CspkitError):
    """An offence or group id that the taxonomy does not define."""


class TaxonomyError(CspkitError):
    """The offence taxonomy (built-in or a user's mapping file) is inconsistent."""


class EmptyWarehouse(CspkitError):
    """A query was asked of a warehouse that has no data yet."""


class InvalidMonth(CspkitError):
    """A month argument that is not YYYY-MM."""
