"""Ward-level figures: crime totals by ward for one borough, and ward populations.

Ward counts come only from MPS ward files (source ``mps_ward``; tables ``ward_rows`` and
``ward_counts``), which are stored apart from the borough files and never add to a
borough's figures: the MPS cannot place every crime in a ward, so ward counts do not sum
to borough counts.

**Vintages.** As for borough figures (:mod:`cspkit.warehouse.query`), one ward file is
chosen for each month: the newest vintage covering it, not after ``as_of`` when given.

**Ward codes.** London's wards changed in 2022. The MPS ward files use the codes of their
time: the 2022-08 release has pre-2022 ("2018") ward codes, later releases 2022 codes.
A 2018 ward and a 2022 ward are different areas even where the name is the same, so a
period whose months come from files of different code sets has no complete ward
totals (each ward is missing the months of the other files). Which set a file uses is
told from its codes (see :func:`ward_code_sets`).

**Populations.** A ward's population is the ONS mid-2020 small-area estimate
(SAPE23DT8a, series ``ons_ward_mid_2020_persons``) when the ward's code is there under
the same ward name (the shared SAPE file's codes do not match its names beyond the
first London boroughs; see :func:`ward_populations`), or else Census 2021 usual
residents (TS007A, LSOA rows "Total") summed over the ward's LSOAs through the ONS
LSOA 2021 to ward 2025 best-fit lookup. The 2025 ward codes are
used as a best fit for the 2022 wards: London's 2022 wards are mostly unchanged to 2025,
and a ward whose 2022 code is not in the lookup gets no population. A ward with no
population is returned with ``None`` and the reason, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import duckdb

from cspkit.measures.periods import format_month, month_range
from cspkit.taxonomy.offences import normalise_name
from cspkit.warehouse.query import MonthSource, chosen_files

WARD_SOURCE = "mps_ward"
SAPE_SERIES = "ons_ward_mid_2020_persons"
CENSUS_TABLE = "TS007A"
CENSUS_TOTAL = "Total"  # TS007A's "Age: Total" band, as the reader stores it

CODES_2018 = "2018"  # London's wards before the 2022 boundary changes
CODES_2022 = "2022"  # London's wards from May 2022
CODES_UNKNOWN = "unknown"


@dataclass(frozen=True)
class WardCodeSet:
    """Which ward-code set a ward file uses, and the evidence for it."""

    code_set: str  # CODES_2018, CODES_2022 or CODES_UNKNOWN
    n_codes: int  # distinct ward codes in the file
    in_2020: int | None  # of them, in the SAPE mid-2020 series (None: series not loaded)
    in_2025: int | None  # of them, in the LSOA-ward 2025 lookup (None: lookup not loaded)

    @property
    def label(self) -> str:
        if self.code_set == CODES_UNKNOWN:
            return "ward codes of unknown vintage"
        return f"{self.code_set} ward codes"


@dataclass(frozen=True)
class WardFile:
    """A ward file that supplies months of the period."""

    file_id: int
    path: str
    vintage: date
    months: tuple[date, ...]  # the months of the period it supplies
    codes: WardCodeSet


@dataclass(frozen=True)
class WardTotal:
    """One ward's total over the period, or None with the reason."""

    ward_code: str
    ward_name: str  # as the newest file supplying the ward spells it
    total: int | None  # None when any month of the period is missing
    monthly: tuple[int | None, ...]  # one per month of the period
    code_set: str  # the ward-code set of the file(s) the ward appears in
    reason: str = ""  # why total is None


@dataclass
class WardTotals:
    """Ward totals of some offences for one borough over first..last."""

    borough_code: str
    offence_ids: tuple[str, ...]
    first: date
    last: date
    as_of: date | None
    months: list[date]
    wards: list[WardTotal]  # every ward the chosen files have for the borough, by name
    files: list[WardFile]  # the ward files used, oldest month first
    sources: dict[date, MonthSource] = field(default_factory=dict)
    reason: str = ""  # why there are no wards at all

    @property
    def code_sets(self) -> list[str]:
        """The ward-code sets of the files used (more than one: no complete totals)."""
        return list(dict.fromkeys(f.codes.code_set for f in self.files))

    @property
    def complete(self) -> list[WardTotal]:
        return [w for w in self.wards if w.total is not None]

    @property
    def incomplete(self) -> list[WardTotal]:
        return [w for w in self.wards if w.total is None]

    def top(self, n: int) -> list[WardTotal]:
        """The n wards with the highest totals (complete wards only; ties by name)."""
        ranked = sorted(self.complete, key=lambda w: (-(w.total or 0), w.ward_name))
        return ranked[:n]


def ward_totals(
    con: duckdb.DuckDBPyConnection,
    borough_code: str,
    offence_ids: tuple[str, ...],
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> WardTotals:
    """Counts of the offences (summed) over first..last for each ward of one borough.

    One ward file is chosen per month by vintage among the ward files only, as borough
    figures are chosen among borough files. A ward's month has a count when its chosen
    file covers the month, has rows for the ward under this borough, and publishes at
    least one of the offences (a missing row within such a file is a recorded zero).
    Otherwise the month is missing and the ward's total is None, with the reason; a
    ward is never dropped. Only rows published under ``borough_code`` count: a ward
    also published under another area (Heathrow Villages, under Hillingdon and under
    Aviation Security) contributes only its rows for this borough.
    """
    return ward_totals_for(con, [borough_code], offence_ids, first, last, as_of=as_of)[borough_code]


def ward_totals_for(
    con: duckdb.DuckDBPyConnection,
    borough_codes: list[str],
    offence_ids: tuple[str, ...],
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> dict[str, WardTotals]:
    """:func:`ward_totals` for several boroughs with one query of each kind."""
    months = month_range(first, last)
    chosen = chosen_files(con, first, last, as_of=as_of, source=WARD_SOURCE)
    file_ids = sorted({s.file_id for s in chosen.values()})
    sums: dict[tuple[str, str, date], int] = {}
    ward_files: dict[str, set[tuple[int, str]]] = {b: set() for b in borough_codes}
    offence_files: set[int] = set()
    names: dict[tuple[str, str], str] = {}
    if chosen:
        params = {
            "months": [s.month for s in chosen.values()],
            "file_ids": [s.file_id for s in chosen.values()],
            "boroughs": list(borough_codes),
            "offences": list(offence_ids),
        }
        rows = con.execute(
            """
            WITH chosen AS (SELECT unnest($months) AS month, unnest($file_ids) AS file_id)
            SELECT r.borough_code, r.ward_code, c.month, sum(c.count)::BIGINT
            FROM ward_counts c
            JOIN chosen USING (file_id, month)
            JOIN ward_rows r USING (file_id, row_id)
            WHERE r.borough_code IN (SELECT unnest($boroughs))
              AND c.offence_id IN (SELECT unnest($offences))
            GROUP BY ALL
            """,
            params,
        ).fetchall()
        sums = {(b, ward, month): n for b, ward, month, n in rows}
        present = con.execute(
            """SELECT DISTINCT f.vintage, r.file_id, r.borough_code, r.ward_code, r.ward_name
               FROM ward_rows r JOIN files f USING (file_id)
               WHERE r.file_id IN (SELECT unnest($files))
                 AND r.borough_code IN (SELECT unnest($boroughs))
               ORDER BY f.vintage, r.file_id""",
            {"files": file_ids, "boroughs": list(borough_codes)},
        ).fetchall()
        for _, file_id, borough, ward, name in present:
            ward_files[borough].add((file_id, ward))
            names[(borough, ward)] = name  # the newest vintage's spelling wins
        offence_files = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM ward_counts
                   WHERE file_id IN (SELECT unnest($files))
                     AND offence_id IN (SELECT unnest($offences))""",
                {"files": file_ids, "offences": list(offence_ids)},
            ).fetchall()
        }
    code_sets = ward_code_sets(con, file_ids)
    files: list[WardFile] = []
    for month in months:  # in the order of the months they supply
        src = chosen.get(month)
        if src is not None and all(f.file_id != src.file_id for f in files):
            supplied = tuple(m for m in months if m in chosen and chosen[m].file_id == src.file_id)
            files.append(
                WardFile(src.file_id, src.path, src.vintage, supplied, code_sets[src.file_id])
            )
    mixed = len({f.codes.code_set for f in files}) > 1
    out = {}
    for borough in borough_codes:
        in_borough = ward_files[borough]
        wards = []
        for ward in sorted({w for _, w in in_borough}):
            values: list[int | None] = []
            reason = ""
            for month in months:
                src = chosen.get(month)
                value: int | None = None
                if src is None:
                    why = f"no loaded ward file covers {month:%Y-%m}"
                elif (src.file_id, ward) not in in_borough:
                    why = (
                        f"the ward file for {month:%Y-%m} (vintage {src.vintage:%Y-%m}, "
                        f"{code_sets[src.file_id].label}) has no rows for this ward in this "
                        "borough"
                    )
                elif src.file_id not in offence_files:
                    why = f"the ward file for {month:%Y-%m} does not publish the offence"
                else:
                    why = ""
                    value = sums.get((borough, ward, month), 0)
                values.append(value)
                reason = reason or why
            total = None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]
            if total is not None:
                reason = ""
            elif mixed:
                reason += (
                    "; the period's months come from ward files with different ward codes ("
                    + ", ".join(f"{_span(f.months)}: {f.codes.label}" for f in files)
                    + "), which are different areas"
                )
            in_files = [f for f in files if (f.file_id, ward) in in_borough]
            code_set = "/".join(dict.fromkeys(f.codes.code_set for f in in_files))
            wards.append(
                WardTotal(ward, names[(borough, ward)], total, tuple(values), code_set, reason)
            )
        wards.sort(key=lambda w: (w.ward_name.casefold(), w.ward_code))
        why = ""
        if not chosen:
            at = f" at vintage {format_month(as_of)}" if as_of else ""
            why = (
                f"no loaded MPS ward file covers {format_month(first)} to {format_month(last)}{at}"
            )
        elif not wards:
            why = f"the ward files for the period have no rows for {borough}"
        out[borough] = WardTotals(
            borough, tuple(offence_ids), first, last, as_of, months, wards, files, chosen, why
        )
    return out


def ward_code_sets(con: duckdb.DuckDBPyConnection, file_ids: list[int]) -> dict[int, WardCodeSet]:
    """Which ward-code set (2018 or 2022) each ward file uses, told from its codes.

    Each file's distinct ward codes are looked up in two reference lists: the ONS
    mid-2020 ward estimates (series ``ons_ward_mid_2020_persons``: 2020 wards, which in
    London are the pre-2022 "2018" wards) and the LSOA 2021 to ward 2025 lookup (2025
    wards, which in London are the 2022 wards, mostly unchanged). The list holding more
    of the file's codes decides; with only one list loaded, more than half of the codes
    in it means that set and fewer the other. With neither loaded, or a tie, the set is
    unknown. (Wards unchanged in 2022 keep their code, so neither list holds all of a
    file's codes, hence a majority.)
    """
    if not file_ids:
        return {}
    has_sape = con.execute(
        "SELECT count(*) > 0 FROM population WHERE series = ?", [SAPE_SERIES]
    ).fetchone()[0]
    has_lookup = con.execute("SELECT count(*) > 0 FROM lsoa_ward_lookup").fetchone()[0]
    rows = con.execute(
        """
        WITH codes AS (
            SELECT DISTINCT file_id, ward_code FROM ward_rows
            WHERE file_id IN (SELECT unnest($files))),
        sape AS (SELECT DISTINCT area_code AS ward_code FROM population WHERE series = $series),
        lookup AS (SELECT DISTINCT ward_code FROM lsoa_ward_lookup)
        SELECT c.file_id, count(*),
               count(*) FILTER (WHERE c.ward_code IN (SELECT ward_code FROM sape)),
               count(*) FILTER (WHERE c.ward_code IN (SELECT ward_code FROM lookup))
        FROM codes c GROUP BY c.file_id
        """,
        {"files": file_ids, "series": SAPE_SERIES},
    ).fetchall()
    out: dict[int, WardCodeSet] = {}
    for file_id, n, in_2020, in_2025 in rows:
        share_2020 = in_2020 / n if has_sape else None
        share_2025 = in_2025 / n if has_lookup else None
        if share_2020 is not None and share_2025 is not None:
            code_set = (
                CODES_2018
                if share_2020 > share_2025
                else CODES_2022
                if share_2025 > share_2020
                else CODES_UNKNOWN
            )
        elif share_2020 is not None:
            code_set = CODES_2018 if share_2020 > 0.5 else CODES_2022
        elif share_2025 is not None:
            code_set = CODES_2022 if share_2025 > 0.5 else CODES_2018
        else:
            code_set = CODES_UNKNOWN
        out[file_id] = WardCodeSet(
            code_set, n, in_2020 if has_sape else None, in_2025 if has_lookup else None
        )
    return out


class WardPopulation(NamedTuple):
    """A ward's population and where it came from (or None and why not)."""

    population: int | None
    source: str  # the source label, or the reason when population is None


SAPE_LABEL = "ONS mid-2020 ward population estimate (SAPE23DT8a, series ons_ward_mid_2020_persons)"
CENSUS_LABEL = (
    "Census 2021 usual residents (TS007A), {n} LSOAs summed through the ONS LSOA 2021 to "
    "ward 2025 best-fit lookup"
)


def ward_populations(
    con: duckdb.DuckDBPyConnection, ward_codes: list[str] | tuple[str, ...]
) -> dict[str, WardPopulation]:
    """Population of each ward, as ``{code: (population, source label)}``.

    * From the ONS mid-2020 ward estimates (series ``ons_ward_mid_2020_persons``,
      persons, all ages) where the ward's code is in that series - the pre-2022 wards.
      Where the ward files name the ward, the estimate is used only if the series
      gives the code the same name (compared ignoring case, punctuation and "&"/"and"):
      the shared SAPE file's code column does not match its names beyond the first
      London boroughs, and a population for the wrong ward would be worse than none.
    * Otherwise from Census 2021 usual residents (TS007A, LSOA rows "Total") summed over
      the LSOAs the ONS best-fit lookup (the newest loaded) puts in the ward. The lookup
      has 2025 ward codes, used as a best fit for the 2022 wards: London's 2022 wards
      are mostly unchanged to 2025. Every LSOA of the ward must have its count loaded.

    Every code asked for is in the result: a ward with no population has ``None`` and
    the reason in place of the source label, and is never dropped.
    """
    codes = list(dict.fromkeys(ward_codes))
    if not codes:
        return {}
    sape = {
        code: (value, name)
        for code, value, name in con.execute(
            """SELECT area_code, arg_max(population, file_id), arg_max(area_name, file_id)
               FROM population WHERE series = $series AND area_code IN (SELECT unnest($codes))
               GROUP BY area_code""",
            {"series": SAPE_SERIES, "codes": codes},
        ).fetchall()
    }
    known_names: dict[str, dict[str, str]] = {}  # code -> name key -> name as spelt
    for code, name in con.execute(
        """SELECT DISTINCT ward_code, ward_name FROM ward_rows
           WHERE ward_code IN (SELECT unnest($codes)) ORDER BY 1, 2""",
        {"codes": codes},
    ).fetchall():
        known_names.setdefault(code, {})[_name_key(name)] = name
    census = {
        code: (n_lsoas, n_counted, total)
        for code, n_lsoas, n_counted, total in con.execute(
            """
            WITH lookup AS (
                SELECT lsoa_code, ward_code FROM lsoa_ward_lookup
                WHERE file_id = (SELECT max(file_id) FROM lsoa_ward_lookup)
                  AND ward_code IN (SELECT unnest($codes))),
            residents AS (
                SELECT geography_code AS lsoa_code, arg_max(count, file_id) AS n
                FROM census WHERE census_table = $table AND category = $total
                  AND geography_code IN (SELECT lsoa_code FROM lookup)
                GROUP BY geography_code)
            SELECT l.ward_code, count(*), count(r.n), sum(r.n)::BIGINT
            FROM lookup l LEFT JOIN residents r USING (lsoa_code)
            GROUP BY l.ward_code
            """,
            {"codes": codes, "table": CENSUS_TABLE, "total": CENSUS_TOTAL},
        ).fetchall()
    }
    out: dict[str, WardPopulation] = {}
    for code in codes:
        rejected = ""
        if code in sape:
            value, sape_name = sape[code]
            names = known_names.get(code)
            if not names or _name_key(sape_name) in names:
                out[code] = WardPopulation(value, SAPE_LABEL)
                continue
            rejected = (
                f"the ONS mid-2020 series gives code {code} to '{sape_name}', but the MPS "
                f"ward files call that ward '{next(iter(names.values()))}', so the estimate "
                "is not used (the series' codes do not match its names)"
            )
        if code in census:
            n_lsoas, n_counted, total = census[code]
            if n_counted == n_lsoas:
                out[code] = WardPopulation(total, CENSUS_LABEL.format(n=n_lsoas))
                continue
            why = (
                f"{n_lsoas - n_counted} of the ward's {n_lsoas} LSOAs (LSOA 2021 to ward "
                "2025 lookup) have no Census 2021 TS007A count loaded"
            )
        elif rejected:
            why = "and the code is not in the LSOA 2021 to ward 2025 lookup loaded"
        else:
            why = (
                "the ward code is in neither the ONS mid-2020 ward estimates nor the "
                "LSOA 2021 to ward 2025 lookup loaded"
            )
        out[code] = WardPopulation(None, f"{rejected}; {why}" if rejected else why)
    return out


def _span(months: tuple[date, ...]) -> str:
    first, last = format_month(months[0]), format_month(months[-1])
    return first if first == last else f"{first}..{last}"


_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


def _name_key(name: str) -> str:
    """Ward names as compared across sources: "St. Mary's & St. James" = "St Marys and St James"."""
    text = _PUNCTUATION.sub("", normalise_name(name))
    return _SPACES.sub(" ", text).strip()
