"""Reader for the ONS LSOA (2021) to Electoral Ward (2025) to LAD (2025) best-fit lookup.

Header, exactly (after the byte order mark the ONS file starts with)::

    LSOA21CD,LSOA21NM,LSOA21NMW,WD25CD,WD25NM,WD25NMW,LAD25CD,LAD25NM,LAD25NMW,ObjectId

One row per LSOA: the ward (2025 codes) and local authority it falls in, best fit (an
LSOA split by a ward boundary goes wholly to the ward holding most of its people). The
Welsh names (``...NMW``, blank in England) and ``ObjectId`` are not stored.

It lets Census 2021 LSOA counts be summed to wards. London's 2022 wards are mostly
unchanged to 2025, so the 2025 codes are used as a best fit for the 2022 wards of the
MPS ward files.
"""

from __future__ import annotations

from cspkit.errors import SourceFormatError
from cspkit.sources.datasets import Provenance, WardLookup
from cspkit.sources.textfile import CsvRecords

SOURCE = "lookup"
LAYOUT = "ONS LSOA 2021 to ward 2025 lookup"
HEADER = "LSOA21CD,LSOA21NM,LSOA21NMW,WD25CD,WD25NM,WD25NMW,LAD25CD,LAD25NM,LAD25NMW,ObjectId"
_COLUMNS = HEADER.lower().split(",")
_REQUIRED = {0: "LSOA21CD", 1: "LSOA21NM", 3: "WD25CD", 4: "WD25NM", 6: "LAD25CD", 7: "LAD25NM"}


def matches(header: list[str]) -> bool:
    return [h.strip().lower() for h in header] == _COLUMNS


def read(records: CsvRecords) -> WardLookup:
    """Validate and read the lookup; every LSOA must appear once, with a ward and an LAD."""
    path = records.source.path
    width = len(_COLUMNS)
    out = WardLookup(
        provenance=Provenance(
            path=path,
            sha256=records.source.sha256,
            size=records.source.size,
            source=SOURCE,
            layout=LAYOUT,
        ),
        lsoa_codes=[],
        lsoa_names=[],
        ward_codes=[],
        ward_names=[],
        lad_codes=[],
        lad_names=[],
        lines=[],
    )
    seen: dict[str, int] = {}
    for line, record in records.rows():
        if len(record) != width:
            raise SourceFormatError(
                f"expected {width} fields, found {len(record)}",
                path=path,
                line=line,
                column=min(len(record), width) + 1,
            )
        cells = [cell.strip() for cell in record]
        for index, name in _REQUIRED.items():
            if not cells[index]:
                raise SourceFormatError(
                    f"{name} is blank; every LSOA needs a code, a ward and a local authority",
                    path=path,
                    line=line,
                    column=index + 1,
                )
        lsoa = cells[0]
        if lsoa in seen:
            raise SourceFormatError(
                f"LSOA {lsoa} already appeared on line {seen[lsoa]}; a best-fit lookup "
                "gives each LSOA one ward",
                path=path,
                line=line,
                column=1,
            )
        seen[lsoa] = line
        out.lsoa_codes.append(lsoa)
        out.lsoa_names.append(cells[1])
        out.ward_codes.append(cells[3])
        out.ward_names.append(cells[4])
        out.lad_codes.append(cells[6])
        out.lad_names.append(cells[7])
        out.lines.append(line)
    if not out.lsoa_codes:
        raise SourceFormatError(
            "the file has a header but no data rows", path=path, line=records.header_line
        )
    return out
