"""Storing validated data sets in the warehouse, and (re)applying the offence taxonomy.

Only called inside :meth:`Warehouse.writing`, so everything here is one transaction
on a private copy: if any statement fails, nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import numpy as np

from cspkit import __version__
from cspkit.sources.datasets import (
    CensusTable,
    DashboardCounts,
    Dataset,
    MonthlyCrimeCounts,
    PoliceApiStops,
    PoliceArchiveFile,
    PopulationSeries,
    WardCrimeCounts,
    WardLookup,
)
from cspkit.sources.mps_ward import SOURCE as WARD_SOURCE
from cspkit.sources.mps_ward import TAXONOMY_SOURCE as WARD_TAXONOMY_SOURCE
from cspkit.taxonomy import Taxonomy
from cspkit.taxonomy.areas import area_directory
from cspkit.warehouse.police_load import store_police

# Files whose categories are named as another source's: the taxonomy is looked up under it.
TAXONOMY_SOURCES = {WARD_SOURCE: WARD_TAXONOMY_SOURCE}

# (counts table, rows table) pairs holding source categories the taxonomy maps.
_MAPPED_TABLES = (("crime_counts", "crime_rows"), ("ward_counts", "ward_rows"))


def taxonomy_source(source: str) -> str:
    """The mapping source a file's categories are resolved under."""
    return TAXONOMY_SOURCES.get(source, source)


@dataclass(frozen=True)
class UnmappedCategory:
    """A source category the taxonomy does not map: kept in the warehouse, reported."""

    path: str
    major: str
    minor: str
    first_month: date
    last_month: date
    total: int


@contextmanager
def _staged(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, np.ndarray]):
    """Expose NumPy columns to SQL as a view for the duration of a statement."""
    con.register(name, columns)
    try:
        yield
    finally:
        con.unregister(name)


def store_areas(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh the area directory (reference data shipped with cspkit)."""
    areas = area_directory().areas
    con.execute("DELETE FROM areas")
    con.executemany("INSERT INTO areas VALUES (?, ?, ?)", [(a.code, a.name, a.kind) for a in areas])


def next_file_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM files").fetchone()[0]


def store_dataset(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, taxonomy: Taxonomy, area_codes: list[str]
) -> int:
    """Insert one validated data set and its file record; returns its file id.

    A data.police.uk file's rows are validated as they are stored (a bad row raises
    :class:`SourceFormatError`, and the caller's transaction is abandoned); what was stored
    is left in ``dataset.stored``.
    """
    file_id = next_file_id(con)
    p = dataset.provenance
    months: list[date] = []
    if isinstance(dataset, MonthlyCrimeCounts):
        months = dataset.months
    elif isinstance(dataset, DashboardCounts):
        months = dataset.covered_months
    n_rows = {
        MonthlyCrimeCounts: lambda d: len(d.majors),
        WardCrimeCounts: lambda d: len(d.majors),
        DashboardCounts: lambda d: len(d.lines),
        PopulationSeries: lambda d: len(set(d.codes)),
        CensusTable: lambda d: len(set(d.geography_codes)),
        WardLookup: lambda d: len(d.lsoa_codes),
        PoliceArchiveFile: lambda d: 0,  # known once stored
        PoliceApiStops: lambda d: len(d.indexes),
    }[type(dataset)](dataset)
    con.execute(
        "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id,
            p.path,
            p.sha256,
            p.size,
            p.source,
            p.layout,
            getattr(dataset, "release", None),
            months[0] if months else None,
            months[-1] if months else None,
            getattr(dataset, "vintage", None),
            n_rows,
            getattr(dataset, "blank_cells", 0),
            datetime.now(UTC).replace(tzinfo=None),
            __version__,
        ],
    )
    # a ward file is a MonthlyCrimeCounts too: test for it first, so it can never
    # reach the borough tables
    if isinstance(dataset, PoliceArchiveFile | PoliceApiStops):
        dataset.stored = store_police(con, file_id, dataset)
    elif isinstance(dataset, WardCrimeCounts):
        _store_ward(con, file_id, dataset, taxonomy, area_codes)
    elif isinstance(dataset, MonthlyCrimeCounts):
        _store_crime(con, file_id, dataset, taxonomy, area_codes)
    elif isinstance(dataset, WardLookup):
        _store_lookup(con, file_id, dataset)
    elif isinstance(dataset, DashboardCounts):
        _store_dashboard(con, file_id, dataset)
    elif isinstance(dataset, PopulationSeries):
        staged = {
            "series": np.array([dataset.series] * len(dataset.codes), dtype=object),
            "area_code": np.array(dataset.codes, dtype=object),
            "area_name": np.array(dataset.names, dtype=object),
            "year": np.array(dataset.years, dtype=np.int32),
            "population": np.array(dataset.values, dtype=np.int64),
        }
        with _staged(con, "staged_population", staged):
            con.execute(
                "INSERT INTO population SELECT ?, series, area_code, area_name, year, population "
                "FROM staged_population",
                [file_id],
            )
    else:
        staged = {
            "geography_code": np.array(dataset.geography_codes, dtype=object),
            "geography_name": np.array(dataset.geography_names, dtype=object),
            "category_code": np.array(dataset.category_codes, dtype=object),
            "category": np.array(dataset.categories, dtype=object),
            "count": np.array(dataset.counts, dtype=np.int64),
        }
        with _staged(con, "staged_census", staged):
            con.execute(
                "INSERT INTO census SELECT ?, ?, geography_code, geography_name, category_code, "
                "category, count FROM staged_census",
                [file_id, dataset.table],
            )
    return file_id


def _store_crime(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    data: MonthlyCrimeCounts,
    taxonomy: Taxonomy,
    area_codes: list[str],
) -> None:
    """Melt the wide file to long rows in NumPy; DuckDB joins only on integer keys."""
    labels, months, offences, cells = _melt(data, taxonomy, data.provenance.source)
    labels["area_code"] = np.array(area_codes, dtype=object)
    labels["area_name"] = np.array(data.area_names, dtype=object)
    with (
        _staged(con, "staged_labels", labels),
        _staged(con, "staged_months", months),
        _staged(con, "staged_offences", offences),
        _staged(con, "staged_cells", cells),
    ):
        con.execute("INSERT INTO file_months SELECT ?, month::DATE FROM staged_months", [file_id])
        con.execute(
            "INSERT INTO crime_rows SELECT ?, rid, line, area_code, area_name, major, minor "
            "FROM staged_labels",
            [file_id],
        )
        _insert_counts(con, "crime_counts", file_id)


def _store_ward(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    data: WardCrimeCounts,
    taxonomy: Taxonomy,
    area_codes: list[str],
) -> None:
    """A ward file, as :func:`_store_crime` but into ``ward_rows``/``ward_counts`` only.

    Categories are the borough files' names, so they are resolved under that source.
    ``area_codes`` are the codes of the rows' boroughs (matched by the caller, which
    reports an unknown name with its line); matched here if not given.
    """
    if len(area_codes) != len(data.area_names):
        area_codes = _borough_codes(data)
    labels, months, offences, cells = _melt(data, taxonomy, taxonomy_source(data.provenance.source))
    labels["ward_code"] = np.array(data.ward_codes, dtype=object)
    labels["ward_name"] = np.array(data.ward_names, dtype=object)
    labels["borough_code"] = np.array(area_codes, dtype=object)
    labels["borough_name"] = np.array(data.area_names, dtype=object)
    with (
        _staged(con, "staged_labels", labels),
        _staged(con, "staged_months", months),
        _staged(con, "staged_offences", offences),
        _staged(con, "staged_cells", cells),
    ):
        con.execute("INSERT INTO file_months SELECT ?, month::DATE FROM staged_months", [file_id])
        con.execute(
            """
            INSERT INTO ward_rows
            SELECT ?, rid, line, ward_code, ward_name, borough_code, borough_name, major, minor
            FROM staged_labels
            """,
            [file_id],
        )
        _insert_counts(con, "ward_counts", file_id)


def _borough_codes(data: MonthlyCrimeCounts) -> list[str]:
    directory = area_directory()
    by_name: dict[str, str] = {}
    for name, line in zip(data.area_names, data.area_lines, strict=True):
        if name not in by_name:
            context = f"{data.provenance.path}, line {line}"
            by_name[name] = directory.match(name, context=context).code
    return [by_name[name] for name in data.area_names]


def _melt(
    data: MonthlyCrimeCounts, taxonomy: Taxonomy, source: str
) -> tuple[dict[str, np.ndarray], ...]:
    """Row labels, month index, offence index and (row, month, offence, count) cells.

    The offence of every (row, month) is an index into the offence names (0 =
    unmapped), resolved once per distinct category.
    """
    n_rows, n_months = data.counts.shape
    offence_names: list[str | None] = [None]
    offence_index: dict[str | None, int] = {None: 0}
    by_category: dict[tuple[str, str], np.ndarray] = {}
    row_offences = np.empty((n_rows, n_months), dtype=np.int32)
    for row, category in enumerate(zip(data.majors, data.minors, strict=True)):
        codes = by_category.get(category)
        if codes is None:
            resolved = taxonomy.resolve_months(source, *category, data.months)
            for name in resolved:
                if name not in offence_index:
                    offence_index[name] = len(offence_names)
                    offence_names.append(name)
            codes = np.array([offence_index[name] for name in resolved], dtype=np.int32)
            by_category[category] = codes
        row_offences[row] = codes
    labels = {
        "rid": np.arange(n_rows, dtype=np.int32),
        "line": np.array(data.area_lines, dtype=np.int32),
        "major": np.array(data.majors, dtype=object),
        "minor": np.array(data.minors, dtype=object),
    }
    month_index = {
        "mid": np.arange(n_months, dtype=np.int32),
        "month": np.array(data.months, dtype="datetime64[D]").astype("datetime64[s]"),
    }
    offences = {
        "oid": np.arange(len(offence_names), dtype=np.int32),
        "offence_id": np.array(offence_names, dtype=object),
    }
    cells = {
        "rid": np.repeat(np.arange(n_rows, dtype=np.int32), n_months),
        "mid": np.tile(np.arange(n_months, dtype=np.int32), n_rows),
        "oid": row_offences.reshape(-1),
        "n": data.counts.reshape(-1).astype(np.int32),
    }
    return labels, month_index, offences, cells


def _insert_counts(con: duckdb.DuckDBPyConnection, table: str, file_id: int) -> None:
    """Insert the staged cells into a counts table (crime_counts or ward_counts)."""
    con.execute(
        f"""
        INSERT INTO {table}
        SELECT ?, c.rid, mi.month::DATE, o.offence_id, c.n
        FROM staged_cells c
        JOIN staged_months mi USING (mid)
        JOIN staged_offences o USING (oid)
        """,
        [file_id],
    )


def _store_lookup(con: duckdb.DuckDBPyConnection, file_id: int, data: WardLookup) -> None:
    staged = {
        "line": np.array(data.lines, dtype=np.int32),
        "lsoa_code": np.array(data.lsoa_codes, dtype=object),
        "lsoa_name": np.array(data.lsoa_names, dtype=object),
        "ward_code": np.array(data.ward_codes, dtype=object),
        "ward_name": np.array(data.ward_names, dtype=object),
        "lad_code": np.array(data.lad_codes, dtype=object),
        "lad_name": np.array(data.lad_names, dtype=object),
    }
    with _staged(con, "staged_lookup", staged):
        con.execute(
            """
            INSERT INTO lsoa_ward_lookup
            SELECT ?, line, lsoa_code, lsoa_name, ward_code, ward_name, lad_code, lad_name
            FROM staged_lookup
            """,
            [file_id],
        )


def _store_dashboard(con: duckdb.DuckDBPyConnection, file_id: int, data: DashboardCounts) -> None:
    """Store the long rows as they come, and the months they cover (for vintage choice)."""

    def strings(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=object)

    def days(values: list[date | None]) -> np.ndarray:
        # None becomes NaT, which DuckDB reads as NULL
        return np.array(values, dtype="datetime64[D]").astype("datetime64[s]")

    rows = {
        "line": np.array(data.lines, dtype=np.int32),
        "month": days(data.months),
        "area_type": strings(data.area_types),
        "borough_snt": strings(data.boroughs),
        "area_code": strings(data.area_codes),
        "area_name": strings(data.area_names),
        "offence_group": strings(data.offence_groups),
        "offence_subgroup": strings(data.offence_subgroups),
        "measure": strings(data.measures),
        "n": data.counts.astype(np.int64),
        "refresh_date": days(data.refresh_dates),
    }
    covered = {"month": days(data.covered_months)}
    with _staged(con, "staged_dashboard", rows), _staged(con, "staged_months", covered):
        con.execute("INSERT INTO file_months SELECT ?, month::DATE FROM staged_months", [file_id])
        con.execute(
            """
            INSERT INTO dashboard_counts
            SELECT ?, line, month::DATE, area_type, borough_snt, area_code, area_name,
                   offence_group, offence_subgroup, measure, n, refresh_date::DATE
            FROM staged_dashboard
            """,
            [file_id],
        )


def mapping_frame(
    taxonomy: Taxonomy, source: str, items: Iterable[tuple[str, str, date]]
) -> dict[str, np.ndarray]:
    """A (major, minor, month) -> offence id table for DuckDB to join on.

    Resolving each distinct category once per month (a few thousand look-ups) keeps
    month-limited mappings exact without any per-cell Python work. Unmapped
    categories get None, which the warehouse stores as NULL.
    """
    by_category: dict[tuple[str, str], list[date]] = {}
    for major, minor, month in items:
        by_category.setdefault((major, minor), []).append(month)
    majors, minors, months, offences = [], [], [], []
    for (major, minor), category_months in by_category.items():
        majors += [major] * len(category_months)
        minors += [minor] * len(category_months)
        months += category_months
        offences += taxonomy.resolve_months(source, major, minor, category_months)
    return {
        "major": np.array(majors, dtype=object),
        "minor": np.array(minors, dtype=object),
        "month": np.array(months, dtype="datetime64[D]").astype("datetime64[s]"),
        "offence_id": np.array(offences, dtype=object),
    }


def apply_taxonomy(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy) -> int:
    """Re-map every stored crime count (borough and ward files) with the given taxonomy.

    Returns the number of stored counts whose offence changed.
    """
    changed = 0
    for counts, rows in _MAPPED_TABLES:
        sources = [
            r[0]
            for r in con.execute(
                f"""SELECT DISTINCT f.source FROM files f
                    WHERE f.file_id IN (SELECT DISTINCT file_id FROM {rows})"""
            ).fetchall()
        ]
        for source in sources:
            items = con.execute(
                f"""
                SELECT DISTINCT r.major_text, r.minor_text, c.month
                FROM {counts} c
                JOIN {rows} r USING (file_id, row_id)
                JOIN files f USING (file_id)
                WHERE f.source = ?
                """,
                [source],
            ).fetchall()
            mapping = mapping_frame(taxonomy, taxonomy_source(source), items)
            with _staged(con, "staged_mapping", mapping):
                changed += con.execute(
                    f"""
                    UPDATE {counts} AS c SET offence_id = m.offence_id
                    FROM staged_mapping AS m, files AS f, {rows} AS r
                    WHERE f.file_id = c.file_id AND f.source = ?
                      AND r.file_id = c.file_id AND r.row_id = c.row_id
                      AND m.major = r.major_text AND m.minor = r.minor_text
                      AND m.month::DATE = c.month
                      AND c.offence_id IS DISTINCT FROM m.offence_id
                    """,
                    [source],
                ).fetchone()[0]
    return changed


def unmapped_categories(
    con: duckdb.DuckDBPyConnection, file_ids: list[int] | None = None
) -> list[UnmappedCategory]:
    """Source categories stored without a canonical offence, per file (borough and ward)."""
    where = "AND c.file_id IN (SELECT unnest($files))" if file_ids is not None else ""
    params = {"files": file_ids} if file_ids is not None else {}
    rows = con.execute(
        f"""
        SELECT f.path, c.major_text, c.minor_text, min(c.month), max(c.month),
               sum(c.count)::BIGINT
        FROM (
            SELECT file_id, major_text, minor_text, month, count
            FROM crime_monthly c WHERE c.offence_id IS NULL {where}
            UNION ALL
            SELECT file_id, major_text, minor_text, month, count
            FROM ward_monthly c WHERE c.offence_id IS NULL {where}
        ) c JOIN files f USING (file_id)
        GROUP BY ALL ORDER BY 1, 2, 3
        """,
        params,
    ).fetchall()
    return [UnmappedCategory(*row) for row in rows]
