"""Monthly counts for every area at once, for products that rank areas.

A ranking needs the same figures for all 32 boroughs; asking per area would mean 32
queries per indicator. These helpers return one area x month matrix per indicator,
with the same vintage rule and missing-month semantics as
:func:`cspkit.warehouse.query.monthly_counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from cspkit.measures.periods import month_range
from cspkit.warehouse.query import (
    BOROUGH_AREA_TYPE,
    DASHBOARD_SOURCE,
    MonthSource,
    chosen_files,
)


@dataclass
class MonthlyMatrix:
    """Counts by area code and month; None where the data has no figure."""

    months: list[date]
    counts: dict[str, list[int | None]]
    sources: dict[date, MonthSource]
    missing_reason: dict[str, str] = field(default_factory=dict)  # area -> first reason

    def total(self, area_code: str, first: date, last: date) -> int | None:
        """Sum over first..last, or None when any month is missing (metrics.md)."""
        values = self.counts.get(area_code)
        if values is None:
            return None
        window = [v for m, v in zip(self.months, values, strict=True) if first <= m <= last]
        if len(window) != len(month_range(first, last)) or any(v is None for v in window):
            return None
        return sum(window)  # type: ignore[arg-type]


def borough_matrix(
    con: duckdb.DuckDBPyConnection,
    offence_ids: tuple[str, ...],
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> MonthlyMatrix:
    """Monthly counts of the offences (summed) for every area in the MPS borough files."""
    months = month_range(first, last)
    chosen = chosen_files(con, first, last, as_of=as_of)
    params = {
        "months": [s.month for s in chosen.values()],
        "file_ids": [s.file_id for s in chosen.values()],
        "offences": list(offence_ids),
    }
    sums: dict[tuple[str, date], int] = {}
    area_files: set[tuple[int, str]] = set()
    offence_files: set[int] = set()
    if chosen:
        rows = con.execute(
            """
            WITH chosen AS (SELECT unnest($months) AS month, unnest($file_ids) AS file_id)
            SELECT r.area_code, c.month, sum(c.count)::BIGINT
            FROM crime_counts c
            JOIN chosen USING (file_id, month)
            JOIN crime_rows r USING (file_id, row_id)
            WHERE c.offence_id IN (SELECT unnest($offences))
            GROUP BY ALL
            """,
            params,
        ).fetchall()
        sums = {(area, month): n for area, month, n in rows}
        area_files = set(
            con.execute(
                """SELECT DISTINCT file_id, area_code FROM crime_rows
                   WHERE file_id IN (SELECT unnest($file_ids))""",
                {"file_ids": params["file_ids"]},
            ).fetchall()
        )
        offence_files = {
            r[0]
            for r in con.execute(
                """SELECT DISTINCT file_id FROM crime_counts
                   WHERE file_id IN (SELECT unnest($file_ids))
                     AND offence_id IN (SELECT unnest($offences))""",
                {"file_ids": params["file_ids"], "offences": params["offences"]},
            ).fetchall()
        }
    return _assemble(months, chosen, sums, area_files, offence_files)


def _assemble(
    months: list[date],
    chosen: dict[date, MonthSource],
    sums: dict[tuple[str, date], int],
    area_files: set[tuple[int, str]],
    offence_files: set[int],
) -> MonthlyMatrix:
    """Area x month counts with the missing-month rules of ``query.monthly_counts``."""
    counts: dict[str, list[int | None]] = {}
    reasons: dict[str, str] = {}
    for area in sorted({a for _, a in area_files}):
        values: list[int | None] = []
        for month in months:
            src = chosen.get(month)
            if src is None:
                values.append(None)
                reasons.setdefault(area, f"no loaded file covers {month:%Y-%m}")
            elif (src.file_id, area) not in area_files:
                values.append(None)
                reasons.setdefault(area, f"the file for {month:%Y-%m} has no rows for this area")
            elif src.file_id not in offence_files:
                values.append(None)
                reasons.setdefault(area, f"the file for {month:%Y-%m} does not publish it")
            else:
                values.append(sums.get((area, month), 0))
        counts[area] = values
    return MonthlyMatrix(months, counts, chosen, reasons)


def populations(con: duckdb.DuckDBPyConnection, series: str) -> dict[tuple[str, int], int]:
    """(area code, year) -> population for a series (the latest-ingested file wins)."""
    rows = con.execute(
        """SELECT area_code, year, arg_max(population, file_id)
           FROM population WHERE series = ? GROUP BY area_code, year""",
        [series],
    ).fetchall()
    return {(code, year): value for code, year, value in rows}


def population_sources(con: duckdb.DuckDBPyConnection, series: str) -> list[str]:
    rows = con.execute(
        """SELECT DISTINCT f.path FROM population p JOIN files f USING (file_id)
           WHERE p.series = ? ORDER BY 1""",
        [series],
    ).fetchall()
    return [r[0] for r in rows]


def dashboard_matrix(
    con: duckdb.DuckDBPyConnection,
    subgroup: str | None,
    measure: str | None,
    first: date,
    last: date,
    *,
    as_of: date | None = None,
) -> MonthlyMatrix | None:
    """Monthly counts of an MPS Monthly Crime Dashboard subgroup for every borough.

    Borough rows only; subgroup and measure match ignoring case (as
    ``query.dashboard_monthly_counts``). None when no such data has been loaded.
    """
    loaded = con.execute("SELECT count(*) FROM dashboard_counts").fetchone()[0]
    if not loaded or not subgroup or not measure:
        return None
    months = month_range(first, last)
    chosen = chosen_files(con, first, last, as_of=as_of, source=DASHBOARD_SOURCE)
    if not chosen:
        return _assemble(months, chosen, {}, set(), set())
    file_ids = [s.file_id for s in chosen.values()]
    params = {
        "months": [s.month for s in chosen.values()],
        "file_ids": file_ids,
        "borough": BOROUGH_AREA_TYPE,
        "subgroup": subgroup.strip().lower(),
        "measure": measure.strip().lower(),
    }
    rows = con.execute(
        """
        WITH chosen AS (SELECT unnest($months) AS month, unnest($file_ids) AS file_id)
        SELECT upper(d.area_code), d.month, sum(d.count)::BIGINT
        FROM dashboard_counts d JOIN chosen USING (file_id, month)
        WHERE lower(d.area_type) = $borough AND lower(d.offence_subgroup) = $subgroup
          AND lower(d.measure) = $measure
        GROUP BY ALL
        """,
        params,
    ).fetchall()
    area_files = set(
        con.execute(
            """SELECT DISTINCT file_id, upper(area_code) FROM dashboard_counts
               WHERE file_id IN (SELECT unnest($file_ids)) AND lower(area_type) = $borough""",
            {"file_ids": file_ids, "borough": BOROUGH_AREA_TYPE},
        ).fetchall()
    )
    offence_files = {
        r[0]
        for r in con.execute(
            """SELECT DISTINCT file_id FROM dashboard_counts
               WHERE file_id IN (SELECT unnest($file_ids)) AND lower(offence_subgroup) = $subgroup
                 AND lower(measure) = $measure""",
            {k: params[k] for k in ("file_ids", "subgroup", "measure")},
        ).fetchall()
    }
    sums = {(area, month): n for area, month, n in rows}
    return _assemble(months, chosen, sums, area_files, offence_files)
