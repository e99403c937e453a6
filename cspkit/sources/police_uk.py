"""Readers for data.police.uk: street-level crime, outcomes and stop and search, any force.

The monthly archives hold one folder per month, with files named
``YYYY-MM-<force>-<kind>.csv`` (``2023-10-city-of-london-street.csv``), where the kind is
``street``, ``outcomes`` or ``stop-and-search``. The layout is told from the header (exactly
as published, compared without regard to case or surrounding spaces); the name gives the
force's slug and the month, which every row must then have. A file without such a name is
still read: a street-level or outcomes file takes its force from ``Reported by`` (the slug
data.police.uk uses, see :func:`force_slug`) and its months from its rows. A stop and
search file has no force column, so it must keep its archive name.

Anti-social behaviour rows have no Crime ID: they are kept, flagged ``is_asb``, and never
counted as crime. Blank coordinates are allowed (data.police.uk cannot place every
record) and stored as NULL. Coordinates are anonymised snap points, in WGS84 degrees.

A national year is about six million street-level rows, so rows are not read here:
:func:`scan_file` hashes the bytes and counts lines, and the warehouse loader
(:mod:`cspkit.warehouse.police_load`) reads and validates the rows as it stores them, with
the SQL in :mod:`cspkit.sources.police_uk_sql`. :func:`records` is the same reading in
Python, for zip members and for pointing at the first malformed row.

The API's JSON for stop and search is read by :mod:`cspkit.sources.police_uk_api`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from cspkit.errors import SourceFormatError, UnknownLayout
from cspkit.sources.datasets import (
    POLICE_SOURCE,
    PoliceArchiveFile,
    Provenance,
)
from cspkit.sources.textfile import UTF8_BOM, UTF16_BOMS, CsvRecords

STREET = "street"
OUTCOMES = "outcomes"
STOP_SEARCH = "stop-and-search"
KINDS = (STREET, OUTCOMES, STOP_SEARCH)

HEADERS: dict[str, tuple[str, ...]] = {
    STREET: (
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Crime type",
        "Last outcome category",
        "Context",
    ),
    OUTCOMES: (
        "Crime ID",
        "Month",
        "Reported by",
        "Falls within",
        "Longitude",
        "Latitude",
        "Location",
        "LSOA code",
        "LSOA name",
        "Outcome type",
    ),
    STOP_SEARCH: (
        "Type",
        "Date",
        "Part of a policing operation",
        "Policing operation",
        "Latitude",
        "Longitude",
        "Gender",
        "Age range",
        "Self-defined ethnicity",
        "Officer-defined ethnicity",
        "Legislation",
        "Object of search",
        "Outcome",
        "Outcome linked to object of search",
        "Removal of more than just outer clothing",
    ),
}
LAYOUT_NAMES = {
    STREET: "data.police.uk street-level crime",
    OUTCOMES: "data.police.uk outcomes",
    STOP_SEARCH: "data.police.uk stop and search",
}
_NORMALISED = {kind: [h.lower() for h in header] for kind, header in HEADERS.items()}

_ARCHIVE_NAME = re.compile(
    r"^(\d{4})-(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*?)-(street|outcomes|stop-and-search)\.csv$",
    re.IGNORECASE,
)

# Forces whose data.police.uk slug does not follow from the name by the general rule.
FORCE_SLUG_EXCEPTIONS = {
    "british transport police": "btp",
    "hampshire & isle of wight constabulary": "hampshire",
    "hampshire and isle of wight constabulary": "hampshire",
}
# The general rule.
SLUG_DROP = r"^police service of |\s*(police service|police|constabulary)$"
SLUG_SEPARATORS = r"[^a-z0-9]+"

CHUNK = 1 << 22  # bytes read at a time when hashing


def kind_of(header: list[str]) -> str | None:
    """``street``, ``outcomes`` or ``stop-and-search`` for a header as published, else None."""
    cells = [h.strip().lower() for h in header]
    for kind, expected in _NORMALISED.items():
        if cells == expected:
            return kind
    return None


def force_slug(name: str) -> str:
    """The data.police.uk slug of a force name: "Metropolitan Police Service" -> metropolitan.

    Lower case, ``&`` as ``and``, without "Police", "Constabulary" or "Police Service
    (of)", words joined by hyphens; exceptions in :data:`FORCE_SLUG_EXCEPTIONS`.
    """
    text = name.strip().lower()
    if text in FORCE_SLUG_EXCEPTIONS:
        return FORCE_SLUG_EXCEPTIONS[text]
    text = re.sub(SLUG_DROP, "", text.replace("&", " and "))
    return re.sub(SLUG_SEPARATORS, "-", text).strip("-") or re.sub(
        SLUG_SEPARATORS, "-", name.lower()
    ).strip("-")


def archive_name(name: str) -> tuple[date, str, str] | None:
    """(month, force slug, kind) from an archive file name, or None if it is not one."""
    match = _ARCHIVE_NAME.match(name)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    month = date(int(match.group(1)), int(match.group(2)), 1)
    return month, match.group(3).lower(), match.group(4).lower()


# --- scanning the bytes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """What one pass over a file's bytes tells, before its rows are read."""

    sha256: str
    size: int
    lines: int  # lines up to the last one with text (blank lines at the end not counted)
    quoted: bool  # a quote character anywhere (so a field may span lines)
    first_line: bytes


def scan_stream(stream: BinaryIO) -> Scan:
    """Hash, size, lines, quotes and first line of a byte stream, read in chunks.

    A file whose every record is one line has ``rows + 1`` lines (with its header), blank
    lines at its end aside.
    """
    digest = hashlib.sha256()
    size = newlines = quotes = 0
    head = tail = b""
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        newlines += chunk.count(b"\n")
        quotes += chunk.count(b'"')
        if len(head) < 65536 and b"\n" not in head:
            head += chunk[:65536]
        tail = chunk[-65536:] if len(chunk) >= 65536 else (tail + chunk)[-65536:]
    text_end = tail.rstrip(b"\r\n")
    if text_end or len(tail) < 65536:  # line ends after the last text
        ends = tail[len(text_end) :].count(b"\n")
        lines = newlines - ends + 1 if text_end else 0
    else:  # pragma: no cover - 64 KB of blank lines at the end
        lines = newlines
    return Scan(digest.hexdigest(), size, lines, quotes > 0, head.split(b"\n", 1)[0])


def header_kind(first_line: bytes) -> str | None:
    """The kind of archive file whose header is this first line, or None."""
    if first_line.startswith(UTF8_BOM):
        first_line = first_line[len(UTF8_BOM) :]
    try:
        text = first_line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    try:
        header = next(csv.reader([text]), [])
    except csv.Error:
        return None
    return kind_of(header)


def peek_kind(path: Path) -> str | None:
    """The kind of archive file ``path`` is, from its first line only."""
    try:
        with path.open("rb") as handle:
            return header_kind(handle.readline(65536))
    except OSError:
        return None


def scan_file(path: Path) -> PoliceArchiveFile:
    """An archive CSV on disk, hashed and checked by header and name; rows are not read."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            scan = scan_stream(handle)
    except OSError as exc:
        raise SourceFormatError(f"cannot read the file: {exc.strerror}", path=name) from exc
    kind = header_kind(scan.first_line)
    if kind is None:
        raise UnknownLayout("unknown layout: not a data.police.uk archive file", path=name, line=1)
    return archive_file(name, kind, scan, lambda: path.open("rb"), disk_path=name)


def archive_file(
    path: str,
    kind: str,
    scan: Scan,
    open_bytes: Callable[[], BinaryIO],
    *,
    disk_path: str | None,
) -> PoliceArchiveFile:
    """The descriptor of one archive file, with the force and month its name gives."""
    named = archive_name(PurePosixPath(path.replace("\\", "/")).name)
    month, force = (named[0], named[1]) if named else (None, None)
    if named and named[2] != kind:
        raise SourceFormatError(
            f"the file name says it is a '{named[2]}' file but its header is that of a "
            f"{LAYOUT_NAMES[kind]} file ('{kind}'); the file may have been renamed",
            path=path,
            line=1,
        )
    if kind == STOP_SEARCH and force is None:
        raise SourceFormatError(
            "a stop and search file has no force column, so cspkit takes the force and month "
            "from the file name, which must be as data.police.uk names it: "
            "YYYY-MM-<force>-stop-and-search.csv (e.g. 2018-06-metropolitan-stop-and-search.csv)",
            path=path,
        )
    return PoliceArchiveFile(
        provenance=Provenance(path, scan.sha256, scan.size, POLICE_SOURCE, LAYOUT_NAMES[kind]),
        kind=kind,
        force=force,
        month=month,
        open_bytes=open_bytes,
        disk_path=disk_path,
        lines=scan.lines,
        quoted=scan.quoted,
    )


def read_records(records: CsvRecords) -> PoliceArchiveFile:
    """An archive file already decoded in memory (:func:`cspkit.sources.read_file`)."""
    source = records.source
    data = source.text.encode("utf-8")
    kind = kind_of(records.header)
    if kind is None:  # pragma: no cover - detect() only calls this for a matching header
        raise UnknownLayout("not a data.police.uk archive file", path=source.path)
    text = data.rstrip(b"\r\n")
    lines = text.count(b"\n") + 1 if text else 0
    scan = Scan(source.sha256, source.size, lines, b'"' in data, b"")
    return archive_file(source.path, kind, scan, lambda: io.BytesIO(data), disk_path=None)


# --- zip archives ---------------------------------------------------------------------------


def zip_members(path: Path) -> list[str]:
    """The CSV and JSON members of a zip archive, in name order (folders skipped)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [
                info.filename
                for info in archive.infolist()
                if not info.is_dir() and info.filename.lower().endswith((".csv", ".json"))
            ]
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFormatError(f"not a readable zip archive ({exc})", path=str(path)) from exc
    return sorted(names)


def member_path(path: Path, member: str) -> str:
    """How a member of a zip archive is named in messages and in the warehouse."""
    return f"{path}!/{member}"


def open_member(path: Path, member: str) -> BinaryIO:
    """A member's decompressed bytes as a stream; nothing is written to disk."""
    archive = zipfile.ZipFile(path)
    try:
        return archive.open(member)  # type: ignore[return-value]
    finally:
        archive.close()  # the member stays readable until it is closed


# --- rows in Python ---------------------------------------------------------------------------


def _text_lines(stream: BinaryIO, path: str) -> Iterator[str]:
    """Decoded lines, with the line and byte of any text that is not UTF-8."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            if raw.startswith(UTF16_BOMS):
                raise SourceFormatError(
                    "the file is UTF-16 text; expected UTF-8", path=path, line=1, column=1
                )
            if raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
            bad = raw[exc.start : exc.start + 1].hex().upper()
            raise SourceFormatError(
                f"byte 0x{bad} (character {column} of the line) is not valid UTF-8; expected "
                "UTF-8 text, as data.police.uk publishes it",
                path=path,
                line=number,
            ) from None


def records(dataset: PoliceArchiveFile) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of every data row, checking the field count; blank lines skipped.

    The line is the one the record ends on (the header is line 1), as in every reader.
    """
    path = dataset.provenance.path
    width = len(HEADERS[dataset.kind])
    with dataset.open_bytes() as stream:
        reader = csv.reader(_text_lines(stream, path), strict=True)
        header: list[str] = []
        try:
            while not header:
                header = next(reader)
            for record in reader:
                if not record:
                    continue
                if len(record) != width:
                    raise SourceFormatError(
                        f"expected {width} fields, as in the header, found {len(record)}; "
                        "the row may be truncated or have a stray comma",
                        path=path,
                        line=reader.line_num,
                        column=min(len(record), width) + 1,
                    )
                yield reader.line_num, record
        except StopIteration:
            return
        except csv.Error as exc:
            raise SourceFormatError(
                f"not readable as CSV ({exc})", path=path, line=reader.line_num
            ) from None


def line_of_record(dataset: PoliceArchiveFile, index: int) -> int:
    """The line of the data row at a 0-based position (for a row DuckDB found bad)."""
    for position, (line, _) in enumerate(records(dataset)):
        if position == index:
            return line
    raise IndexError(index)
