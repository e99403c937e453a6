"""Storing data.police.uk files: fast, memory-flat, validated, and each month once.

A file on disk is read by DuckDB's own CSV reader straight into its table, every column
as text, checked and cast by the SQL of :mod:`cspkit.sources.police_uk_sql` in the same
pass: the first bad value stops the statement (``error()``), and a second, targeted pass
on a separate connection finds the first bad row in file order and its line, for the
message. A malformed row (wrong field count, bad UTF-8) is pointed at by reading the file
with Python's csv module up to it. DuckDB's memory is capped during the load
(:data:`MEMORY_LIMIT`), so a file of any size streams through a bounded buffer.

A file whose records do not each take exactly one line (blank lines, line breaks inside
quotes), and a member of a zip archive, is read in chunks through Python's csv module
instead, each chunk staged as NumPy arrays and inserted by the same SQL.

A month loaded twice is loaded once: after a file is stored, rows of any other file for
the same (force, month) in the same table (and, for stop and search, the same source:
archive CSV or API JSON) are deleted, in the same transaction. A file left with no rows
is removed from ``files``; the ingest report says "replaces <path>".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

import duckdb
import numpy as np

from cspkit.errors import SourceFormatError
from cspkit.sources import police_uk
from cspkit.sources import police_uk_sql as rules
from cspkit.sources.datasets import PoliceApiStops, PoliceArchiveFile, PoliceStored

MEMORY_LIMIT = "256MB"  # DuckDB's buffer while a police file loads: memory stays flat
CHUNK_ROWS = 100_000  # rows per chunk when reading through Python


def store_police(
    con: duckdb.DuckDBPyConnection, file_id: int, dataset: PoliceArchiveFile | PoliceApiStops
) -> PoliceStored:
    """Insert one file's records, replace earlier files for its months, update ``files``."""
    table = rules.TABLES[dataset.kind]
    if isinstance(dataset, PoliceApiStops):
        rows = _store_api(con, file_id, dataset)
    else:
        previous = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('enable_progress_bar')"
        ).fetchone()
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET enable_progress_bar = false")  # never draw on the user's terminal
        try:
            rows = _store_archive(con, file_id, dataset, table)
        finally:
            # if the load failed, its transaction is void: the error raised says why
            with contextlib.suppress(duckdb.Error):
                con.execute(f"SET memory_limit = '{previous[0]}'")
                con.execute(f"SET enable_progress_bar = {str(previous[1]).lower()}")
    if rows == 0:
        raise SourceFormatError(
            "the file has a header but no data rows", path=dataset.provenance.path, line=1
        )
    pairs = con.execute(
        f"SELECT DISTINCT force, month FROM {table} WHERE file_id = ? ORDER BY month, force",
        [file_id],
    ).fetchall()
    replaced = _replace_earlier(con, file_id, table, dataset.source_kind, pairs)
    asb, no_location = con.execute(
        f"""SELECT {"count(*) FILTER (is_asb)" if table == "street_crimes" else "0"},
                   count(*) FILTER (latitude IS NULL)
            FROM {table} WHERE file_id = ?""",
        [file_id],
    ).fetchone()
    months = sorted({m for _, m in pairs})
    _record_file(con, file_id, rows, months)
    return PoliceStored(
        rows=rows,
        months=months,
        forces=sorted({f for f, _ in pairs}),
        asb_rows=asb,
        no_location=no_location,
        replaced=replaced,
    )


# --- archive CSVs -------------------------------------------------------------------------------


def _store_archive(
    con: duckdb.DuckDBPyConnection, file_id: int, data: PoliceArchiveFile, table: str
) -> int:
    if data.disk_path is not None:
        rows = _insert_native(con, file_id, data, table)
        if data.lines == rows + 1:
            return rows
        # blank lines or line breaks inside quotes: the row number is not the line, so read
        # the file again through Python, which knows each record's line
        con.execute(f"DELETE FROM {table} WHERE file_id = ?", [file_id])
    return _insert_chunks(con, file_id, data, table)


def _read_csv_sql(data: PoliceArchiveFile) -> str:
    """DuckDB's reader for the file: text columns, strict, one extra column (see
    :func:`police_uk_sql.columns_sql`). DuckDB's parallel reader cannot pad rows when a
    quoted field spans lines, so a file with any quote character is read by one thread."""
    path = (data.disk_path or "").replace("'", "''")
    parallel = "false" if data.quoted else "true"
    return (
        f"read_csv('{path}', header = true, auto_detect = false, parallel = {parallel}, "
        f"columns = {rules.columns_sql(data.kind)}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, null_padding = true, nullstr = '{rules.NULL_TEXT}', "
        "encoding = 'utf-8')"
    )


def _native_rows(data: PoliceArchiveFile) -> str:
    """The file's rows as text with their line: row number + 1 (the header is line 1)."""
    return f"(SELECT row_number() OVER () + 1 AS line, * FROM {_read_csv_sql(data)})"


def _side() -> duckdb.DuckDBPyConnection:
    """A connection of its own (in memory) for a targeted pass after a failed load."""
    side = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    side.execute("SET enable_progress_bar = false")
    return side


def _slugs(names) -> dict[str, str]:
    return {name: police_uk.force_slug(name) for name in names if name and name.strip()}


def _insert_native(
    con: duckdb.DuckDBPyConnection, file_id: int, data: PoliceArchiveFile, table: str
) -> int:
    problem = rules.problem_sql(data.kind, data.force, data.month)
    slugs = None
    try:
        if data.force is None:  # the force from "Reported by": its few names, once
            names = con.execute(f"SELECT DISTINCT c3 FROM {_read_csv_sql(data)}").fetchall()
            slugs = _slugs(n for (n,) in names)
    except duckdb.Error as exc:
        raise _native_problem(data, exc) from None
    projection = rules.projection_sql(data.kind, data.force, data.month, slugs)
    sql = f"""
        INSERT INTO {table}
        SELECT $file_id, {projection} FROM {_native_rows(data)}
        WHERE CASE WHEN ({problem}) IS NULL THEN true ELSE error('{rules.INVALID}') END
    """
    try:
        return con.execute(sql, {"file_id": file_id}).fetchone()[0]
    except duckdb.Error as exc:
        raise _native_problem(data, exc) from None


def _native_problem(data: PoliceArchiveFile, exc: duckdb.Error) -> SourceFormatError:
    """The first bad row of a file DuckDB refused, found by a second, targeted pass.

    Runs on a connection of its own: the loading transaction is aborted by then.
    """
    path = data.provenance.path
    if rules.INVALID in str(exc):
        problem = rules.problem_sql(data.kind, data.force, data.month)
        try:
            with _side() as side:
                found = side.execute(
                    f"""SELECT line, problem FROM (
                            SELECT line, {problem} AS problem FROM {_native_rows(data)})
                        WHERE problem IS NOT NULL ORDER BY line LIMIT 1"""
                ).fetchone()
        except duckdb.Error:
            found = None  # the file also has a row DuckDB cannot parse: found below
        if found is not None:
            row_line, text = found
            column, message = rules.split_problem(text)
            if data.lines != _rows_in(data) + 1:
                row_line = police_uk.line_of_record(data, row_line - 2)
            return SourceFormatError(message, path=path, line=row_line, column=column)
    # DuckDB could not parse the file (a field count, the encoding, a quote): read it
    # through Python to the first malformed record, which says where and what
    for _ in police_uk.records(data):
        pass
    first = str(exc).strip().splitlines()[0]
    return SourceFormatError(f"not readable as CSV ({first})", path=path)


def _rows_in(data: PoliceArchiveFile) -> int:
    with _side() as side:
        return side.execute(f"SELECT count(*) FROM {_read_csv_sql(data)}").fetchone()[0]


def _chunks(data: PoliceArchiveFile) -> Iterator[dict[str, np.ndarray]]:
    width = len(police_uk.HEADERS[data.kind])
    lines: list[int] = []
    batch: list[list[str]] = []

    def staged() -> dict[str, np.ndarray]:
        columns = list(zip(*batch, strict=True))
        out = {"line": np.array(lines, dtype=np.int64)}
        for i in range(width):
            out[f"c{i + 1}"] = np.array(columns[i], dtype=object)
        out[f"c{width + 1}"] = np.full(len(lines), None, dtype=object)  # as read_csv's extra
        return out

    for line, record in police_uk.records(data):
        lines.append(line)
        batch.append(record)
        if len(batch) >= CHUNK_ROWS:
            yield staged()
            lines, batch = [], []
    if batch:
        yield staged()


def _insert_chunks(
    con: duckdb.DuckDBPyConnection, file_id: int, data: PoliceArchiveFile, table: str
) -> int:
    """Read through Python in chunks (zip members, irregular files); same SQL, exact lines."""
    problem = rules.problem_sql(data.kind, data.force, data.month)
    rows = 0
    for chunk in _chunks(data):
        slugs = None if data.force else _slugs(set(chunk["c3"]))
        projection = rules.projection_sql(data.kind, data.force, data.month, slugs)
        con.register("police_chunk", chunk)
        try:
            rows += con.execute(
                f"""INSERT INTO {table}
                    SELECT $file_id, {projection} FROM police_chunk
                    WHERE CASE WHEN ({problem}) IS NULL THEN true
                               ELSE error('{rules.INVALID}') END""",
                {"file_id": file_id},
            ).fetchone()[0]
        except duckdb.Error as exc:
            if rules.INVALID not in str(exc):
                raise
            with _side() as side:
                side.register("police_chunk", chunk)
                line, text = side.execute(
                    f"""SELECT line, problem FROM (
                            SELECT line, {problem} AS problem FROM police_chunk)
                        WHERE problem IS NOT NULL ORDER BY line LIMIT 1"""
                ).fetchone()
            column, message = rules.split_problem(text)
            raise SourceFormatError(
                message, path=data.provenance.path, line=line, column=column
            ) from None
        finally:
            # after a bad row the transaction is void: the error above says why
            with contextlib.suppress(duckdb.Error):
                con.unregister("police_chunk")
    return rows


# --- API JSON ----------------------------------------------------------------------------------


def _store_api(con: duckdb.DuckDBPyConnection, file_id: int, data: PoliceApiStops) -> int:
    cols = data.columns
    n = len(data.indexes)

    def text(name: str) -> np.ndarray:
        return np.array(cols[name], dtype=object)

    def flag(name: str) -> np.ndarray:
        return np.array([None if v is None else int(v) for v in cols[name]], dtype=object)

    def number(name: str) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in cols[name]], dtype=np.float64)

    staged = {
        "line": np.array(data.indexes, dtype=np.int64),
        "type": text("type"),
        "moment": np.array(cols["datetime"], dtype="datetime64[us]"),
        "part_of_operation": flag("part_of_operation"),
        "operation": text("operation"),
        "latitude": number("latitude"),
        "longitude": number("longitude"),
        **{
            name: text(name)
            for name in (
                "gender",
                "age_range",
                "self_defined_ethnicity",
                "officer_defined_ethnicity",
                "legislation",
                "object_of_search",
                "outcome",
            )
        },
        "linked": flag("outcome_linked_to_object"),
        "removal": flag("removal_of_more_than_outer_clothing"),
    }
    con.register("police_api", staged)
    try:
        con.execute(
            """
            INSERT INTO stop_searches
            SELECT $file_id, line, $force, $month, 'api', type, moment::TIMESTAMP,
                   part_of_operation::INTEGER::BOOLEAN, operation,
                   CASE WHEN isnan(latitude) THEN NULL ELSE latitude END,
                   CASE WHEN isnan(longitude) THEN NULL ELSE longitude END,
                   gender, age_range, self_defined_ethnicity, officer_defined_ethnicity,
                   legislation, object_of_search, outcome,
                   linked::INTEGER::BOOLEAN, removal::INTEGER::BOOLEAN
            FROM police_api
            """,
            {"file_id": file_id, "force": data.force, "month": data.month},
        )
    finally:
        con.unregister("police_api")
    return n


# --- a month loaded twice is loaded once -----------------------------------------------------


def _replace_earlier(
    con: duckdb.DuckDBPyConnection,
    file_id: int,
    table: str,
    source_kind: str,
    pairs: list[tuple[str, date]],
) -> list[str]:
    """Delete other files' rows for the new file's (force, month)s; returns their paths."""
    params: dict = {
        "file_id": file_id,
        "forces": [f for f, _ in pairs],
        "months": [m for _, m in pairs],
    }
    same_source = ""
    if table == "stop_searches":
        same_source = "AND t.source_kind = $source_kind"
        params["source_kind"] = source_kind
    new_pairs = "(SELECT unnest($forces) AS force, unnest($months)::DATE AS month)"
    older = con.execute(
        f"""
        SELECT DISTINCT t.file_id FROM {table} t JOIN {new_pairs} p USING (force, month)
        WHERE t.file_id <> $file_id {same_source}
        ORDER BY t.file_id
        """,
        params,
    ).fetchall()
    if not older:
        return []
    con.execute(
        f"""
        DELETE FROM {table} AS t USING {new_pairs} AS p
        WHERE t.force = p.force AND t.month = p.month AND t.file_id <> $file_id {same_source}
        """,
        params,
    )
    paths = []
    for (old,) in older:
        paths.append(con.execute("SELECT path FROM files WHERE file_id = ?", [old]).fetchone()[0])
        left, months = con.execute(
            f"SELECT count(*), list(DISTINCT month ORDER BY month) FROM {table} WHERE file_id = ?",
            [old],
        ).fetchone()
        con.execute("DELETE FROM file_months WHERE file_id = ?", [old])
        if left == 0:
            con.execute("DELETE FROM files WHERE file_id = ?", [old])
        else:
            _record_file(con, old, left, months)
    return paths


def _record_file(con: duckdb.DuckDBPyConnection, file_id: int, rows: int, months: list[date]):
    """The file's row count, months and vintage (its last month), once its rows are known."""
    con.execute(
        """UPDATE files SET n_rows = $rows, first_month = $first, last_month = $last,
                  vintage = $last WHERE file_id = $file_id""",
        {"rows": rows, "first": months[0], "last": months[-1], "file_id": file_id},
    )
    con.execute(
        "INSERT INTO file_months SELECT $file_id, unnest($months)::DATE",
        {"file_id": file_id, "months": months},
    )
