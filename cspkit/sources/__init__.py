"""Readers for external file formats, and detection of which reader a file needs.

Detection looks at the header only (never the file name: MPS releases all share one
name). A file that matches no layout is refused with the header it has and the
layouts that are known. data.police.uk files are detected by header too; their names
then give the force and month. JSON files are the data.police.uk API's stop and search
records, and a zip archive is read member by member (see :func:`inputs`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cspkit.errors import SourceFormatError, UnknownLayout
from cspkit.sources import (
    lookups,
    mps_borough,
    mps_dashboard,
    mps_ward,
    police_uk,
    police_uk_api,
    population,
)
from cspkit.sources.datasets import Dataset
from cspkit.sources.textfile import (
    CsvRecords,
    SourceText,
    csv_records,
    decode_bytes,
    read_text,
)


@dataclass(frozen=True)
class Layout:
    name: str
    header: str
    matches: Callable[[list[str]], bool]
    read: Callable[[CsvRecords], Dataset]
    title_rows: bool = False  # ONS spreadsheets put title rows above the header


LAYOUTS: tuple[Layout, ...] = (
    *(
        Layout(name, header, mps_borough.matches, mps_borough.read)
        for name, header in mps_borough.LAYOUT_HEADERS.items()
    ),
    Layout(mps_ward.LAYOUT, mps_ward.HEADER, mps_ward.matches, mps_ward.read),
    Layout(mps_dashboard.LAYOUT, mps_dashboard.HEADER, mps_dashboard.matches, mps_dashboard.read),
    Layout(
        "population series (wide years)",
        population.SERIES_HEADER,
        population.matches_series,
        population.read_series,
    ),
    Layout(
        "Census 2021 TS007A (age)",
        population.TS007A_HEADER,
        population.matches_ts007a,
        population.read_ts007a,
    ),
    Layout(
        "Census 2021 TS021 (ethnic group)",
        population.TS021_HEADER,
        population.matches_ts021,
        population.read_ts021,
    ),
    Layout(
        "ONS ward population (SAPE)",
        population.SAPE_HEADER,
        population.matches_sape_ward,
        population.read_sape_ward,
        title_rows=True,
    ),
    Layout(lookups.LAYOUT, lookups.HEADER, lookups.matches, lookups.read),
    *(
        Layout(
            police_uk.LAYOUT_NAMES[kind],
            ",".join(header),
            lambda h, kind=kind: police_uk.kind_of(h) == kind,
            police_uk.read_records,
        )
        for kind, header in police_uk.HEADERS.items()
    ),
)

TITLE_ROWS_SEARCHED = 10


def detect(records: CsvRecords) -> tuple[Layout, CsvRecords]:
    """The layout whose header the file has, and the records positioned after that header.

    Raises :class:`UnknownLayout` if no layout matches.
    """
    for layout in LAYOUTS:
        if layout.matches(records.header):
            return layout, records
    for skip in range(1, TITLE_ROWS_SEARCHED):
        try:
            candidate = csv_records(records.source, skip_lines=skip)
        except SourceFormatError:
            break
        for layout in LAYOUTS:
            if layout.title_rows and layout.matches(candidate.header):
                return layout, candidate
    seen = ",".join(records.header)
    if len(seen) > 200:
        seen = seen[:200] + "..."
    known = "\n".join(f"  - {layout.name}: {layout.header}" for layout in LAYOUTS)
    raise UnknownLayout(
        f"unknown layout. The header is:\n  {seen}\nLayouts cspkit can read:\n{known}",
        path=records.source.path,
        line=records.header_line,
    )


def read_source(source: SourceText) -> Dataset:
    """Detect the layout of decoded text from its header, and read it."""
    layout, records = detect(csv_records(source))
    return layout.read(records)


def read_file(path: str | Path) -> Dataset:
    """Read any supported file: decode, detect the layout from the header, validate."""
    return read_source(read_text(path))


@dataclass(frozen=True)
class Input:
    """One file to ingest: where it is, its content hash, and how to read it.

    The hash is known before reading, so content loaded before is skipped unread.
    """

    path: str
    sha256: str
    read: Callable[[], Dataset]


def inputs(path: Path) -> Iterator[Input]:
    """The files in ``path``: itself, or for a zip archive each CSV or JSON member.

    A data.police.uk archive CSV is only hashed here (its rows are read as they are
    stored), so a file of millions of rows is never held in memory; other CSV files are
    read whole, as before. A zip archive's members are read from the archive, never
    extracted to disk.
    """
    suffix = path.suffix.lower()
    if suffix == ".zip":
        yield from _zip_inputs(path)
    elif suffix == ".json":
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceFormatError(f"cannot read the file: {exc.strerror}", path=name) from exc
        yield Input(
            name, hashlib.sha256(data).hexdigest(), lambda: police_uk_api.read_api_json(name, data)
        )
    elif police_uk.peek_kind(path) is not None:
        scanned = police_uk.scan_file(path)
        yield Input(str(path), scanned.provenance.sha256, lambda: scanned)
    else:
        source = read_text(path)
        yield Input(source.path, source.sha256, lambda: read_source(source))


def _zip_inputs(path: Path) -> Iterator[Input]:
    for member in police_uk.zip_members(path):
        name = police_uk.member_path(path, member)
        if member.lower().endswith(".json"):
            with police_uk.open_member(path, member) as stream:
                data = stream.read()
            yield Input(
                name,
                hashlib.sha256(data).hexdigest(),
                lambda name=name, data=data: police_uk_api.read_api_json(name, data),
            )
            continue
        with police_uk.open_member(path, member) as stream:
            scan = police_uk.scan_stream(stream)
        sha = scan.sha256
        kind = police_uk.header_kind(scan.first_line)
        if kind is not None:
            scanned = police_uk.archive_file(
                name,
                kind,
                scan,
                lambda member=member: police_uk.open_member(path, member),
                disk_path=None,
            )
            yield Input(name, sha, lambda scanned=scanned: scanned)
        else:

            def read(member: str = member, name: str = name) -> Dataset:
                with police_uk.open_member(path, member) as stream:
                    return read_source(decode_bytes(name, stream.read()))

            yield Input(name, sha, read)


__all__ = ["LAYOUTS", "Input", "Layout", "detect", "inputs", "read_file", "read_source"]
