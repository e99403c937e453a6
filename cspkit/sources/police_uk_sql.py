"""The rules of the data.police.uk archive CSVs, as SQL over their text.

Rows are read as text, all columns ``VARCHAR`` named ``c1``, ``c2``... (by position, so a
header's spelling never matters here), with a ``line`` column. For each kind of file this
module gives:

* :func:`problem_sql`: the first thing wrong with a row, in column order, as
  ``'<column>|<message>'`` (NULL for a good row). Messages follow every reader's style: the
  column's name, what was expected, what was found.
* :func:`projection_sql`: the row as the warehouse stores it (blank -> NULL, months as
  DATE, coordinates as DOUBLE, True/False as BOOLEAN, times as UTC TIMESTAMP). Only valid
  for rows without a problem.

Values are taken as published, without trimming spaces (trimming every field of
millions of rows costs a fifth of the load): a month or date with spaces around it is
refused, the message showing them; numbers may have spaces around them (DuckDB's casts
allow it).

The same SQL serves DuckDB's CSV reader (files on disk) and rows staged from Python (zip
members), so the rules are written once.
"""

from __future__ import annotations

from datetime import date

from cspkit.measures.periods import format_month
from cspkit.sources.police_uk import HEADERS, OUTCOMES, STOP_SEARCH, STREET

TABLES = {STREET: "street_crimes", OUTCOMES: "crime_outcomes", STOP_SEARCH: "stop_searches"}
INVALID = "cspkit: invalid data.police.uk row"  # the marker error() raises during a load

_MONTH = r"[0-9]{4}-(0[1-9]|1[0-2])"
_DATETIME = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_OFFSET = r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _v(i: int) -> str:
    """Column i as written, blank as NULL."""
    return f"NULLIF(c{i}, '')"


def _found(i: int) -> str:
    return f"'found ''' || c{i} || ''''"


def columns_sql(kind: str) -> str:
    """The ``columns`` argument of read_csv: c1..cN, all text, and one more.

    DuckDB's reader accepts a row with one field too many when that field is empty (a
    stray comma in a row whose last field is blank, as "Context" always is): the columns
    would shift silently. So the rows are read with one extra column and padded with NULL
    (``null_padding``), with an empty field read as '' (``nullstr`` is set to a text no
    file has), and :func:`problem_sql` refuses a row whose extra column is there or whose
    last column is missing.
    """
    n = len(HEADERS[kind]) + 1
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1)) + "}"


NULL_TEXT = "cspkit: no field is ever this text"  # read_csv's nullstr: blanks stay ''


def _width_checks(kind: str) -> list[tuple[int, str, str]]:
    n = len(HEADERS[kind])
    found = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(1, n + 1))
    tail = "'; the row may be truncated or have a stray comma'"
    return [
        (
            n + 1,
            f"c{n + 1} IS NOT NULL",
            f"'expected {n} fields, as in the header, found {n + 1}' || {tail}",
        ),
        (
            0,  # the column after the last field found
            f"c{n} IS NULL",
            f"'expected {n} fields, as in the header, found ' || ({found}) || {tail}",
        ),
    ]


def force_sql(i: int, slugs: dict[str, str]) -> str:
    """The force's slug from a "Reported by" column, given each name's slug.

    The names of a file are few, so their slugs are worked out once in Python
    (:func:`police_uk.force_slug`) and looked up here, not computed on every row.
    """
    whens = " ".join(f"WHEN {_lit(name)} THEN {_lit(slug)}" for name, slug in slugs.items())
    return f"CASE c{i} {whens} END" if whens else "NULL"


# --- checks: (column, condition that makes the row bad, message) -------------------------------


def _month_checks(i: int, name_month: date | None) -> list[tuple[int, str, str]]:
    checks = [
        (i, f"{_v(i)} IS NULL", "'Month is blank; expected a month as YYYY-MM (e.g. 2023-10)'"),
        (
            i,
            f"NOT regexp_full_match(c{i}, '{_MONTH}')",
            f"'Month: expected a month as YYYY-MM (e.g. 2023-10), ' || {_found(i)}",
        ),
    ]
    if name_month is not None:
        month = format_month(name_month)
        checks.append(
            (
                i,
                f"c{i} <> '{month}'",
                f"'Month: expected {month} (the month in the file name), ' || {_found(i)}",
            )
        )
    return checks


def _coordinate_checks(lon: int, lat: int) -> list[tuple[int, str, str]]:
    out = []
    for i, name, limit in sorted(((lon, "Longitude", 180), (lat, "Latitude", 90))):
        out.append(
            (
                i,
                f"{_v(i)} IS NOT NULL AND NOT coalesce("
                f"TRY_CAST(c{i} AS DOUBLE) BETWEEN -{limit} AND {limit}, false)",
                f"'{name}: expected a number of degrees from -{limit} to {limit}, or blank, ' "
                f"|| {_found(i)}",
            )
        )
    for blank, given, blank_name, given_name in (
        (lon, lat, "Longitude", "Latitude"),
        (lat, lon, "Latitude", "Longitude"),
    ):
        out.append(
            (
                blank,
                f"{_v(blank)} IS NULL AND {_v(given)} IS NOT NULL",
                f"'{blank_name} is blank but {given_name} is ''' || c{given} || "
                "'''; a location needs both or neither'",
            )
        )
    return out


def _required(i: int, kind: str, why: str) -> tuple[int, str, str]:
    name = HEADERS[kind][i - 1]
    return (i, f"{_v(i)} IS NULL", _lit(f"{name} is blank; {why}"))


def _boolean(i: int, kind: str) -> tuple[int, str, str]:
    name = HEADERS[kind][i - 1]
    return (
        i,
        f"{_v(i)} IS NOT NULL AND lower(c{i}) NOT IN ('true', 'false')",
        f"{_lit(name + ': expected True, False or blank, ')} || {_found(i)}",
    )


def _datetime_sql(i: int) -> str:
    text = f"c{i}"
    zoned = f"CASE WHEN regexp_matches({text}, '{_OFFSET}') THEN {text} ELSE {text} || '+00' END"
    return f"TRY_CAST({zoned} AS TIMESTAMPTZ)"


def _checks(kind: str, force: str | None, name_month: date | None) -> list[tuple[int, str, str]]:
    if kind in (STREET, OUTCOMES):
        checks = []
        if kind == OUTCOMES:
            checks.append(_required(1, kind, "every outcome row needs the Crime ID of its crime"))
        checks += _month_checks(2, name_month)
        if force is None:
            checks.append(
                (
                    3,
                    f"{_v(3)} IS NULL",
                    "'Reported by is blank, and the file name does not say the force (name "
                    "the file as data.police.uk does: YYYY-MM-<force>-<kind>.csv)'",
                )
            )
        checks += _coordinate_checks(5, 6)
        if kind == STREET:
            checks.append(_required(10, kind, "every row needs one"))
        else:
            checks.append(_required(10, kind, "every outcome row needs one"))
        return checks
    datetime_bad = (
        f"{_v(2)} IS NULL OR NOT regexp_full_match(c2, '{_DATETIME}') OR {_datetime_sql(2)} IS NULL"
    )
    return [
        _required(1, kind, "every search has a type (e.g. Person search)"),
        (
            2,
            datetime_bad,
            "'Date: expected a date and time as published, such as "
            "2018-05-31T23:01:00+00:00, ' || " + _found(2),
        ),
        _boolean(3, kind),
        *_coordinate_checks(6, 5),
        _boolean(14, kind),
        _boolean(15, kind),
    ]


def problem_sql(kind: str, force: str | None, name_month: date | None) -> str:
    """``'<column>|<message>'`` for the first check a row fails, NULL when it passes."""
    n = len(HEADERS[kind])
    found = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(1, n + 1))
    whens = " ".join(
        f"WHEN {condition} THEN "
        + (f"(({found}) + 1)::VARCHAR || '|' || " if column == 0 else f"'{column}|' || ")
        + message
        for column, condition, message in _width_checks(kind) + _checks(kind, force, name_month)
    )
    return f"CASE {whens} END"


def projection_sql(
    kind: str, force: str | None, name_month: date | None, slugs: dict[str, str] | None = None
) -> str:
    """The stored columns of the kind's table after ``file_id`` (a ``$file_id`` parameter).

    ``force`` is the slug from the file name; without it, ``slugs`` gives the slug of each
    "Reported by" name in the file.
    """
    force_expr = _lit(force) if force else force_sql(3, slugs or {})
    if kind == STREET:
        cols = [
            "line",
            force_expr,
            "TRY_CAST(c2 || '-01' AS DATE)",
            _v(1),
            _v(3),
            _v(4),
            "TRY_CAST(c5 AS DOUBLE)",
            "TRY_CAST(c6 AS DOUBLE)",
            _v(7),
            _v(8),
            _v(9),
            _v(10),
            _v(11),
            _v(12),
            f"{_v(1)} IS NULL",
        ]
    elif kind == OUTCOMES:
        cols = [
            "line",
            force_expr,
            "TRY_CAST(c2 || '-01' AS DATE)",
            _v(1),
            _v(3),
            _v(4),
            "TRY_CAST(c5 AS DOUBLE)",
            "TRY_CAST(c6 AS DOUBLE)",
            _v(7),
            _v(8),
            _v(9),
            _v(10),
        ]
    else:
        if name_month is None:  # pragma: no cover - archive_file() refuses such a file
            raise ValueError("a stop and search file needs the month from its name")

        def boolean(i: int) -> str:
            return f"CASE lower(c{i}) WHEN 'true' THEN true WHEN 'false' THEN false END"

        cols = [
            "line",
            force_expr,
            f"DATE '{name_month.isoformat()}'",
            "'csv'",
            _v(1),
            f"timezone('UTC', {_datetime_sql(2)})",
            boolean(3),
            _v(4),
            "TRY_CAST(c5 AS DOUBLE)",
            "TRY_CAST(c6 AS DOUBLE)",
            *(_v(i) for i in range(7, 14)),
            boolean(14),
            boolean(15),
        ]
    return ", ".join(cols)


def split_problem(problem: str) -> tuple[int, str]:
    """(column, message) from a :func:`problem_sql` value."""
    column, _, message = problem.partition("|")
    return int(column), message
