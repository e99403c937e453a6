"""Reading figures back out of the warehouse, with vintage selection.

Vintage rule (issue: "Vintages"): for each month, use the file with the most recent
vintage that covers that month; with ``as_of`` given, only files whose vintage is not
after ``as_of`` are eligible ("as the data stood then"). Ties between two files of the
same vintage go to the one ingested last. The choice is made per month and per file,
so a month's figures always come from one release and add up within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from cspkit.measures.periods import month_range


@dataclass(frozen=True)
class MonthSource:
    """Which file supplies a month, and its vintage."""

    month: date
    file_id: int
    vintage: date
    path: str


def chosen_files(
    con: duckdb.DuckDBPyConnection,
    first: date,
    last: date,
    *,
    as_of: date | None = None,
    source: str = "mps_borough",
) -> dict[date, MonthSource]:
    """The file chosen for each month in first..last that some eligible file covers."""
    rows = con.execute(
        """
        SELECT fm.month, f.file_id, f.vintage, f.path
        FROM file_months fm JOIN files f USING (file_id)
        WHERE f.source = $source AND fm.month BETWEEN $first AND $last
          AND ($as_of IS NULL OR f.vintage <= $as_of)
        QUALIFY row_number() OVER (
            PARTITION BY fm.month ORDER BY f.vintage DESC, f.file_id DESC) = 1
        """,
        {"source": source, "first": first, "last": last, "as_of": as_of},
    ).fetchall()
    return {month: MonthSource(month, fid, vintage, path) for month, fid, vintage, path in rows}


@dataclass(frozen=True)
class MonthlyValue:
    month: date
    count: int | None  # None = not in the data (no eligible file, or not published)
    vintage: date | None
    path: str | None
    reason: str = ""  # why count is None


def monthly_counts(
    con: duckdb.DuckDBPyConnection,
    area_code: str,
    offence_ids: tuple[str, ...],
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> list[MonthlyValue]:
    """Monthly counts of the given offences (summed) for one area, months first..last.

    A month has a count when its chosen file covers it, has rows for the area and
    publishes at least one of the offences; a missing combination within such a file is
    a recorded zero. Otherwise the month is reported as missing with the reason -
    never silently as zero.
    """
    chosen = chosen_files(con, first, last, as_of=as_of)
    pairs = {
        "month": [s.month for s in chosen.values()],
        "file_id": [s.file_id for s in chosen.values()],
    }
    files = sorted(set(pairs["file_id"]))
    sums: dict[date, int] = {}
    area_in: set[int] = set()
    offence_in: set[int] = set()
    if files:
        # Each month's figure comes only from the file chosen for that month.
        sums = dict(
            con.execute(
                """
                SELECT c.month, sum(c.count)::BIGINT
                FROM crime_monthly c
                JOIN (SELECT unnest($months) AS month, unnest($file_ids) AS file_id) AS chosen
                  ON c.month = chosen.month AND c.file_id = chosen.file_id
                WHERE c.area_code = $area AND c.offence_id IN (SELECT unnest($offences))
                GROUP BY c.month
                """,
                {
                    "months": pairs["month"],
                    "file_ids": pairs["file_id"],
                    "area": area_code,
                    "offences": list(offence_ids),
                },
            ).fetchall()
        )
        area_in = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM crime_monthly
                   WHERE file_id IN (SELECT unnest($files)) AND area_code = $area""",
                {"files": files, "area": area_code},
            ).fetchall()
        }
        offence_in = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM crime_monthly
                   WHERE file_id IN (SELECT unnest($files))
                     AND offence_id IN (SELECT unnest($offences))""",
                {"files": files, "offences": list(offence_ids)},
            ).fetchall()
        }
    return month_values(
        first,
        last,
        chosen,
        as_of=as_of,
        area_in=area_in,
        offence_in=offence_in,
        sums=sums,
        no_area="the file has no rows for this area",
        no_offence="the file does not publish this offence",
    )


def month_values(
    first: date,
    last: date,
    chosen: dict[date, MonthSource],
    *,
    as_of: date | None,
    area_in: set[int],
    offence_in: set[int],
    sums: dict[date, int],
    no_area: str,
    no_offence: str,
) -> list[MonthlyValue]:
    """One value per month with the missing-month rules every series shares.

    A month has a count when its chosen file covers it, has rows for the area
    (``area_in``) and publishes the offence (``offence_in``); a missing combination
    within such a file is a recorded zero. Otherwise the month is missing, with why.
    """
    values = []
    for month in month_range(first, last):
        src = chosen.get(month)
        if src is None:
            reason = "no loaded file covers this month" + (
                f" at vintage {as_of:%Y-%m}" if as_of else ""
            )
            values.append(MonthlyValue(month, None, None, None, reason))
        elif src.file_id not in area_in:
            values.append(MonthlyValue(month, None, src.vintage, src.path, no_area))
        elif src.file_id not in offence_in:
            values.append(MonthlyValue(month, None, src.vintage, src.path, no_offence))
        else:
            values.append(MonthlyValue(month, sums.get(month, 0), src.vintage, src.path))
    return values


DASHBOARD_SOURCE = "mps_dashboard"
BOROUGH_AREA_TYPE = "borough"  # Area Type of the dashboard's borough rows (any case)


def dashboard_monthly_counts(
    con: duckdb.DuckDBPyConnection,
    area_code: str,
    offence_subgroup: str,
    measure: str,
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> list[MonthlyValue]:
    """Monthly counts of one MPS Crime Dashboard offence subgroup and measure for a borough.

    Only borough rows (``Area Type`` = Borough) are read: SNT rows never add to a
    borough's figure. The subgroup, measure and area code are matched without regard to
    case (the MPS spell them differently from file to file). Files are chosen per month
    by vintage among the dashboard files only, exactly as :func:`monthly_counts` does,
    with the same missing-month rules: a month has a count when its chosen file covers
    it, has borough rows for the area, and publishes the subgroup with this measure for
    some borough; a month of such a file with no row for the combination is a recorded
    zero. Otherwise the month is missing, with the reason.
    """
    chosen = chosen_files(con, first, last, as_of=as_of, source=DASHBOARD_SOURCE)
    files = sorted({s.file_id for s in chosen.values()})
    sums: dict[date, int] = {}
    area_in: set[int] = set()
    subgroup_in: set[int] = set()
    if files:
        params = {
            "files": files,
            "borough": BOROUGH_AREA_TYPE,
            "area": area_code.strip().lower(),
            "subgroup": offence_subgroup.strip().lower(),
            "measure": measure.strip().lower(),
        }
        sums = dict(
            con.execute(
                """
                SELECT d.month, sum(d.count)::BIGINT
                FROM dashboard_counts d
                JOIN (SELECT unnest($months) AS month, unnest($file_ids) AS file_id) AS chosen
                  ON d.month = chosen.month AND d.file_id = chosen.file_id
                WHERE lower(d.area_type) = $borough AND lower(d.area_code) = $area
                  AND lower(d.offence_subgroup) = $subgroup AND lower(d.measure) = $measure
                GROUP BY d.month
                """,
                {
                    "months": [s.month for s in chosen.values()],
                    "file_ids": [s.file_id for s in chosen.values()],
                    **{k: v for k, v in params.items() if k != "files"},
                },
            ).fetchall()
        )
        area_in = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM dashboard_counts
                   WHERE file_id IN (SELECT unnest($files))
                     AND lower(area_type) = $borough AND lower(area_code) = $area""",
                {k: params[k] for k in ("files", "borough", "area")},
            ).fetchall()
        }
        subgroup_in = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM dashboard_counts
                   WHERE file_id IN (SELECT unnest($files)) AND lower(area_type) = $borough
                     AND lower(offence_subgroup) = $subgroup AND lower(measure) = $measure""",
                {k: params[k] for k in ("files", "borough", "subgroup", "measure")},
            ).fetchall()
        }
    return month_values(
        first,
        last,
        chosen,
        as_of=as_of,
        area_in=area_in,
        offence_in=subgroup_in,
        sums=sums,
        no_area="the file has no borough rows for this area",
        no_offence="the file does not publish this offence subgroup and measure",
    )


def dashboard_subgroups(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """Every (offence group, offence subgroup, measure) loaded from dashboard files."""
    return [
        (group, subgroup, measure)
        for group, subgroup, measure in con.execute(
            """SELECT DISTINCT offence_group, offence_subgroup, measure
               FROM dashboard_counts ORDER BY 1, 2, 3"""
        ).fetchall()
    ]


def vintages(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every ingested file, newest vintage first."""
    cur = con.execute(
        """
        SELECT file_id, source, layout, release, first_month, last_month, vintage,
               n_rows, blank_cells, path, sha256, ingested_at
        FROM files ORDER BY vintage DESC NULLS LAST, file_id DESC
        """
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def loaded_areas(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Areas with crime counts or population, with what is loaded for each."""
    cur = con.execute(
        """
        WITH crime AS (
            SELECT area_code, min(month) AS first_month, max(month) AS last_month
            FROM crime_monthly GROUP BY area_code),
        pop AS (
            SELECT area_code, min(year) AS first_year, max(year) AS last_year
            FROM population GROUP BY area_code)
        SELECT a.code, a.name, a.kind, crime.first_month, crime.last_month,
               pop.first_year, pop.last_year
        FROM areas a
        LEFT JOIN crime ON crime.area_code = a.code
        LEFT JOIN pop ON pop.area_code = a.code
        WHERE crime.area_code IS NOT NULL OR pop.area_code IS NOT NULL
        ORDER BY a.kind, a.name
        """
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def offence_totals(con: duckdb.DuckDBPyConnection) -> dict[str | None, tuple[int, date, date]]:
    """For each canonical offence (None = unmapped): stored rows, first and last month."""
    rows = con.execute(
        "SELECT offence_id, count(*), min(month), max(month) FROM crime_monthly GROUP BY 1"
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def source_names(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """For each canonical offence, the source category names it was loaded from."""
    rows = con.execute(
        """
        SELECT offence_id, major_text || ' / ' || minor_text AS name
        FROM crime_monthly WHERE offence_id IS NOT NULL
        GROUP BY ALL ORDER BY 1, 2
        """
    ).fetchall()
    out: dict[str, list[str]] = {}
    for offence, name in rows:
        out.setdefault(offence, []).append(name)
    return out


def population(con: duckdb.DuckDBPyConnection, area_code: str) -> dict[str, dict[int, int]]:
    """Population by series and year for one area (the latest-ingested file wins a clash)."""
    rows = con.execute(
        """
        SELECT series, year, arg_max(population, file_id)
        FROM population WHERE area_code = ? GROUP BY series, year ORDER BY series, year
        """,
        [area_code],
    ).fetchall()
    out: dict[str, dict[int, int]] = {}
    for series, year, value in rows:
        out.setdefault(series, {})[year] = value
    return out


def census_counts(
    con: duckdb.DuckDBPyConnection, geography_code: str, census_table: str
) -> dict[str, int]:
    """Census 2021 counts by category for one geography (latest-ingested file wins)."""
    rows = con.execute(
        """
        SELECT category, arg_max(count, file_id), min(category_code)
        FROM census WHERE geography_code = ? AND census_table = ?
        GROUP BY category ORDER BY min(try_cast(category_code AS INTEGER)), category
        """,
        [geography_code, census_table],
    ).fetchall()
    return {category: count for category, count, _ in rows}
