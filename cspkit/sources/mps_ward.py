"""Reader for the MPS "Ward Level Crime" monthly files (London Datastore).

Header ``MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,YYYYMM,...``: one row
per (major category, minor category, ward, borough), one column per month, each cell a
count of offences recorded. The two generations of the borough files exist here too
(see ../shared/data/PROVENANCE.md), with the same header: layout A (published up to
early 2024) has Title Case categories, layout B (later) UPPER CASE ones, so the layout
is told from the categories, not the header. Release and vintage follow the borough
files' rule: 24 months is a "most recent" file (its vintage is its last month), more is
historical (+24 months), fewer is an extract.

Ward codes are those of the ward boundaries in force when the file was made: 2018-era
codes before the 2022 London boundary changes, 2022 codes after. This reader does not
judge which; :mod:`cspkit.warehouse.wards` tells them apart from the codes present.

One ward can appear under two borough names: Heathrow Villages (E05013570) is published
under both "Hillingdon" and "Aviation Security (SO18)" (the airports pseudo-area) from
2023. So a row is identified by (major, minor, ward code, borough), and a duplicate of
that is refused.

The publisher warns that ward counts do not add up to borough counts (not every crime
can be placed in a ward): ward files are stored apart and never feed borough figures.
"""

from __future__ import annotations

import re

from cspkit.errors import SourceFormatError
from cspkit.sources.datasets import Provenance, WardCrimeCounts
from cspkit.sources.mps_borough import count_cells, count_matrix, month_columns, release_of
from cspkit.sources.textfile import CsvRecords

SOURCE = "mps_ward"
TAXONOMY_SOURCE = "mps_borough"  # ward files use the borough files' category names
LAYOUT = "MPS ward file"
LAYOUT_A = "MPS ward layout A"
LAYOUT_B = "MPS ward layout B"
HEADER = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,YYYYMM,..."
LABELS = ("majortext", "minortext", "wardname", "wardcode")
BOROUGH_COLUMNS = ("lookup_boroughname", "boroughname")
LABEL_COLUMNS = 5
_WARD_CODE = re.compile(r"^[EW]05\d{6}$")


def matches(header: list[str]) -> bool:
    """True when the header is an MPS ward file (either layout)."""
    if len(header) <= LABEL_COLUMNS:
        return False
    first = [h.strip().lower() for h in header[:LABEL_COLUMNS]]
    return tuple(first[:4]) == LABELS and first[4] in BOROUGH_COLUMNS


def read(records: CsvRecords) -> WardCrimeCounts:
    """Validate and read a whole file; raise :class:`SourceFormatError` at the first problem."""
    path = records.source.path
    header = records.header
    months = month_columns(header, LABEL_COLUMNS, path, records.header_line)
    width = len(header)
    n_months = width - LABEL_COLUMNS

    majors: list[str] = []
    minors: list[str] = []
    ward_names: list[str] = []
    ward_codes: list[str] = []
    boroughs: list[str] = []
    lines: list[int] = []
    flat: list[str] = []  # one comma-joined string of validated digits per row
    blank_cells = 0
    seen: dict[tuple[str, str, str, str], int] = {}
    named: dict[str, tuple[str, int]] = {}  # ward code -> (name, first line)

    for line, record in records.rows():
        if len(record) != width:
            raise SourceFormatError(
                f"expected {width} fields ({LABEL_COLUMNS} names and {n_months} months), "
                f"found {len(record)}; the row may be truncated or have a stray comma",
                path=path,
                line=line,
                column=min(len(record), width) + 1 if len(record) < width else width + 1,
            )
        major, minor, ward, code, borough = (cell.strip() for cell in record[:LABEL_COLUMNS])
        for col, value in enumerate((major, minor, ward, code, borough), start=1):
            if not value:
                raise SourceFormatError(
                    f"{header[col - 1]} is blank; every row needs a category, a ward "
                    "(name and code) and a borough",
                    path=path,
                    line=line,
                    column=col,
                )
        code = code.upper()
        if not _WARD_CODE.match(code):
            raise SourceFormatError(
                f"{header[3]}: expected a ward's GSS code (E05 and six digits, e.g. "
                f"E05013570), found '{record[3].strip()}'; the columns may be shifted",
                path=path,
                line=line,
                column=4,
            )
        first_name = named.setdefault(code, (ward, line))
        if first_name[0].casefold() != ward.casefold():
            raise SourceFormatError(
                f"ward {code} is named '{ward}' here but '{first_name[0]}' on line "
                f"{first_name[1]}; a ward code must have one name in a file",
                path=path,
                line=line,
                column=3,
            )
        key = (major.casefold(), minor.casefold(), code, borough.casefold())
        if key in seen:
            raise SourceFormatError(
                f"duplicate row: '{major} / {minor}' for ward {code} ({ward}) in '{borough}' "
                f"already appeared on line {seen[key]}; each category, ward and borough "
                "must appear once",
                path=path,
                line=line,
            )
        seen[key] = line
        digits, blanks = count_cells(record, LABEL_COLUMNS, header, path, line)
        flat.append(digits)
        blank_cells += blanks
        majors.append(major)
        minors.append(minor)
        ward_names.append(ward)
        ward_codes.append(code)
        boroughs.append(borough)
        lines.append(line)

    if not majors:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    # layout B writes its categories in UPPER CASE; layout A in Title Case
    upper = all(m == m.upper() and n == n.upper() for m, n in zip(majors, minors, strict=True))
    return WardCrimeCounts(
        provenance=Provenance(
            path=path,
            sha256=records.source.sha256,
            size=records.source.size,
            source=SOURCE,
            layout=LAYOUT_B if upper else LAYOUT_A,
        ),
        release=release_of(len(months)),
        months=months,
        majors=majors,
        minors=minors,
        area_names=boroughs,
        area_lines=lines,
        counts=count_matrix(flat, n_months),
        blank_cells=blank_cells,
        ward_codes=ward_codes,
        ward_names=ward_names,
    )
