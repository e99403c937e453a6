"""The Python API. Each function is one CLI verb; the CLI only parses and prints.

import cspkit
cspkit.ingest(["../shared/data/mps/borough"])
s = cspkit.series("Barnet", "residential_burglary", "2023-10", "2023-12", vintage="2024-01")
s.total  # 488
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cspkit.errors import CspkitError, SourceFormatError
from cspkit.measures.periods import add_months, format_month, parse_month
from cspkit.products.models import SourceRef
from cspkit.sources import inputs
from cspkit.sources.datasets import (
    DashboardCounts,
    Dataset,
    MonthlyCrimeCounts,
    PoliceApiStops,
    PoliceArchiveFile,
)
from cspkit.taxonomy import Taxonomy, load_taxonomy
from cspkit.taxonomy.areas import Area, area_directory
from cspkit.warehouse import Warehouse, query
from cspkit.warehouse import load as loader

PathLike = str | os.PathLike
Progress = Callable[[str, int, int], None]  # (message, done, total)


# ---------------------------------------------------------------- ingest


@dataclass
class FileResult:
    path: str
    status: str  # "loaded" | "already loaded" | "duplicate in this batch"
    layout: str = ""
    release: str = ""
    first_month: date | None = None
    last_month: date | None = None
    rows: int = 0
    vintage: date | None = None
    note: str = ""
    unmapped: list[loader.UnmappedCategory] = field(default_factory=list)


@dataclass
class IngestReport:
    warehouse: Path
    files: list[FileResult]

    @property
    def loaded(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "loaded"]

    @property
    def unmapped(self) -> list[loader.UnmappedCategory]:
        return [u for f in self.files for u in f.unmapped]


INGESTED_SUFFIXES = (".csv", ".json", ".zip")


def expand_paths(paths: Iterable[PathLike]) -> list[Path]:
    """Files as given; folders searched recursively for *.csv, *.json and *.zip, sorted.

    JSON files are the data.police.uk API's stop and search records; zip files are
    data.police.uk archives (their CSV members are read without extracting them).
    """
    out: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in INGESTED_SUFFIXES:
                    out[found.resolve()] = None
        elif path.is_file():
            out[path.resolve()] = None
        else:
            raise CspkitError(f"{raw}: no such file or folder")
    if not out:
        raise CspkitError("no CSV, JSON or zip files found in " + ", ".join(str(p) for p in paths))
    return list(out)


def ingest(
    paths: Sequence[PathLike],
    *,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
    progress: Progress | None = None,
    before_commit: Callable[[], None] | None = None,
) -> IngestReport:
    """Load files into the warehouse, all or nothing.

    Every file is read and validated before anything is written; one bad file means
    nothing is loaded and the warehouse is left exactly as it was. A file whose
    content was loaded before (same SHA-256) is skipped, so re-ingesting changes nothing.

    data.police.uk archive CSVs are the exception to "read before writing": they can
    hold millions of rows, so their rows are validated as they are stored, inside the
    same transaction - a bad row still means nothing is loaded. A data.police.uk file
    for a force and month already loaded from other bytes replaces the earlier file's
    rows for that month (the note says "replaces <path>"), so no month is counted twice.
    """
    store = Warehouse(warehouse)
    taxonomy = load_taxonomy(taxonomy_files)
    files = expand_paths(paths)
    known = _known_hashes(store)
    results: list[FileResult] = []
    pending: list[tuple[FileResult, Dataset, list[str]]] = []
    batch: dict[str, str] = {}
    for index, path in enumerate(files):
        if progress:
            progress(f"reading {path.name}", index, len(files))
        for item in inputs(path):
            if item.sha256 in known:
                results.append(
                    FileResult(
                        item.path, "already loaded", note=f"same content as {known[item.sha256]}"
                    )
                )
                continue
            if item.sha256 in batch:
                results.append(
                    FileResult(
                        item.path, "duplicate in this batch", note=f"same as {batch[item.sha256]}"
                    )
                )
                continue
            batch[item.sha256] = item.path
            dataset = item.read()
            codes = _area_codes(dataset)
            result = _describe(dataset)
            results.append(result)
            pending.append((result, dataset, codes))
    if progress:
        progress("writing the warehouse", len(files), len(files))
    if pending:
        with store.writing(before_commit=before_commit) as con:
            # another ingest may have loaded the same content while we were reading
            stored = dict(con.execute("SELECT sha256, path FROM files").fetchall())
            for result, dataset, _ in pending:
                if dataset.provenance.sha256 in stored:
                    index = results.index(result)
                    result.status = "already loaded"
                    results[index] = FileResult(
                        result.path,
                        "already loaded",
                        note=f"same content as {stored[dataset.provenance.sha256]}",
                    )
            pending = [item for item in pending if item[0].status == "loaded"]
            loader.store_areas(con)
            new_ids = []
            for done, (result, dataset, codes) in enumerate(pending):
                if progress and isinstance(dataset, PoliceArchiveFile):
                    progress(f"loading {Path(result.path).name}", done, len(pending))
                new_ids.append(loader.store_dataset(con, dataset, taxonomy, codes))
                if isinstance(dataset, PoliceArchiveFile | PoliceApiStops):
                    _describe_stored(result, dataset)
            unmapped = loader.unmapped_categories(con, new_ids)
        for result, _, _ in pending:
            result.unmapped = [u for u in unmapped if u.path == result.path]
    return IngestReport(store.path, results)


def _known_hashes(store: Warehouse) -> dict[str, str]:
    if not store.exists:
        return {}
    with store.reading() as con:
        return dict(con.execute("SELECT sha256, path FROM files").fetchall())


def _area_codes(dataset: Dataset) -> list[str]:
    """GSS code for every row of a crime file; an unknown area name stops the load."""
    if not isinstance(dataset, MonthlyCrimeCounts):
        return []
    directory = area_directory()
    by_name: dict[str, str] = {}
    codes = []
    for name, line in zip(dataset.area_names, dataset.area_lines, strict=True):
        if name not in by_name:
            context = f"{dataset.provenance.path}, line {line}"
            by_name[name] = directory.match(name, context=context).code
        codes.append(by_name[name])
    return codes


def _describe(dataset: Dataset) -> FileResult:
    p = dataset.provenance
    if isinstance(dataset, PoliceArchiveFile | PoliceApiStops):
        # rows and months are filled in once stored (_describe_stored)
        month = dataset.month
        return FileResult(
            p.path,
            "loaded",
            layout=p.layout,
            first_month=month,
            last_month=month,
            rows=len(dataset.indexes) if isinstance(dataset, PoliceApiStops) else 0,
            vintage=month,
        )
    if isinstance(dataset, DashboardCounts):
        months = dataset.covered_months
        refreshed = dataset.refresh_date
        return FileResult(
            p.path,
            "loaded",
            layout=p.layout,
            first_month=months[0],
            last_month=months[-1],
            rows=len(dataset.lines),
            vintage=dataset.vintage,
            note=f"refreshed {refreshed:%d/%m/%Y}" if refreshed else "",
        )
    if isinstance(dataset, MonthlyCrimeCounts):
        return FileResult(
            p.path,
            "loaded",
            layout=p.layout,
            release=dataset.release,
            first_month=dataset.months[0],
            last_month=dataset.months[-1],
            rows=len(dataset.majors),
            vintage=dataset.vintage,
            note=f"{dataset.blank_cells} blank cells read as 0" if dataset.blank_cells else "",
        )
    rows = len(set(getattr(dataset, "codes", None) or dataset.geography_codes))
    note = f"series '{dataset.series}'" if hasattr(dataset, "series") else dataset.table
    return FileResult(p.path, "loaded", layout=p.layout, rows=rows, note=note)


def _describe_stored(result: FileResult, dataset: PoliceArchiveFile | PoliceApiStops) -> None:
    """Rows, months and notes of a data.police.uk file, known once it is stored."""
    stored = dataset.stored
    if stored is None:  # pragma: no cover - store_dataset always sets it
        return
    result.rows = stored.rows
    result.first_month = stored.months[0]
    result.last_month = stored.months[-1]
    result.vintage = stored.months[-1]
    notes = [f"force {', '.join(stored.forces)}"]
    if stored.asb_rows:
        notes.append(f"{stored.asb_rows:,} anti-social behaviour rows kept apart")
    if stored.no_location:
        notes.append(f"{stored.no_location:,} without a location")
    notes += [f"replaces {path}" for path in stored.replaced]
    result.note = "; ".join(notes)


# ---------------------------------------------------------------- series


@dataclass
class Series:
    """A monthly series for one area and offence (or group), as the data stood."""

    area: Area
    offence: str
    offence_name: str
    first: date
    last: date
    as_of: date | None
    values: list[query.MonthlyValue]

    @property
    def complete(self) -> bool:
        """metrics.md: a period is complete only when every month is in the data."""
        return all(v.count is not None for v in self.values)

    @property
    def missing(self) -> list[query.MonthlyValue]:
        return [v for v in self.values if v.count is None]

    @property
    def total(self) -> int | None:
        """The sum over the period, or None when the period is incomplete."""
        return sum(v.count for v in self.values) if self.complete else None  # type: ignore[misc]

    @property
    def sources(self) -> list[tuple[str, date]]:
        """(file, vintage) pairs behind the figures, for a "Data sources" note."""
        seen = dict.fromkeys((v.path, v.vintage) for v in self.values if v.path)
        return list(seen)  # type: ignore[arg-type]


def series(
    area: str,
    offence: str,
    start: str | date,
    end: str | date,
    *,
    vintage: str | date | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
) -> Series:
    """Monthly counts for an area and a canonical offence or group, start..end inclusive."""
    first = parse_month(start) if isinstance(start, str) else start
    last = parse_month(end) if isinstance(end, str) else end
    as_of = parse_month(vintage) if isinstance(vintage, str) else vintage
    if last < first:
        raise CspkitError(f"--to {format_month(last)} is before --from {format_month(first)}")
    taxonomy = load_taxonomy(taxonomy_files)
    offence_ids = taxonomy.expand(offence)
    the_area = area_directory().match(area)
    with Warehouse(warehouse).reading() as con:
        values = query.monthly_counts(con, the_area.code, offence_ids, first, last, as_of=as_of)
    return Series(the_area, offence, taxonomy.label(offence), first, last, as_of, values)


# ---------------------------------------------------------------- listings


def areas(*, warehouse: PathLike | None = None, all_known: bool = False) -> list[dict]:
    """Areas with data loaded (or, with ``all_known``, every area cspkit knows)."""
    if all_known:
        return [{"code": a.code, "name": a.name, "kind": a.kind} for a in area_directory().areas]
    with Warehouse(warehouse).reading() as con:
        return query.loaded_areas(con)


def offences(
    *, warehouse: PathLike | None = None, taxonomy_files: Sequence[PathLike] | None = None
) -> dict:
    """The taxonomy with, where a warehouse exists, what is loaded for each offence."""
    taxonomy = load_taxonomy(taxonomy_files)
    store = Warehouse(warehouse)
    totals: dict = {}
    names: dict = {}
    if store.exists:
        with store.reading() as con:
            totals = query.offence_totals(con)
            names = query.source_names(con)
    rows = []
    for offence in taxonomy.offences.values():
        loaded = totals.get(offence.id)
        rows.append(
            {
                "id": offence.id,
                "name": offence.name,
                "groups": taxonomy.groups_of(offence.id),
                "rows": loaded[0] if loaded else 0,
                "first_month": loaded[1] if loaded else None,
                "last_month": loaded[2] if loaded else None,
                "source_names": names.get(offence.id, []),
            }
        )
    groups = [
        {"id": g.id, "name": g.name, "offences": list(g.offences)} for g in taxonomy.groups.values()
    ]
    unmapped_rows = totals.get(None, (0, None, None))[0]
    return {
        "offences": rows,
        "groups": groups,
        "unmapped_rows": unmapped_rows,
        "user_mapping_files": list(taxonomy.user_files),
    }


@dataclass
class Population:
    """What the warehouse holds for an area's residents."""

    area: Area
    series: dict[str, dict[int, int]]  # series name -> year -> population
    census_age: dict[str, int]  # Census 2021 TS007A band -> persons
    census_ethnicity: dict[str, int]  # Census 2021 TS021 group -> persons


def population(area: str, *, warehouse: PathLike | None = None) -> Population:
    """Population series and Census 2021 tables loaded for an area."""
    the_area = area_directory().match(area)
    with Warehouse(warehouse).reading() as con:
        return Population(
            the_area,
            query.population(con, the_area.code),
            query.census_counts(con, the_area.code, "TS007A"),
            query.census_counts(con, the_area.code, "TS021"),
        )


def vintages(*, warehouse: PathLike | None = None) -> list[dict]:
    """Every ingested file with its vintage, newest first."""
    with Warehouse(warehouse).reading() as con:
        return query.vintages(con)


def unmapped(*, warehouse: PathLike | None = None) -> list[loader.UnmappedCategory]:
    """Source categories in the warehouse that no mapping covers."""
    with Warehouse(warehouse).reading() as con:
        return loader.unmapped_categories(con)


def remap(
    *, warehouse: PathLike | None = None, taxonomy_files: Sequence[PathLike] | None = None
) -> tuple[int, list[loader.UnmappedCategory], tuple[str, ...]]:
    """Re-apply the taxonomy (e.g. after adding a mapping file) to everything stored.

    Returns the number of stored counts whose offence changed, what is still unmapped,
    and the user mapping files that were applied. The warehouse keeps the result, not
    the files: keep your mapping file where cspkit always finds it (CSPKIT_TAXONOMY or
    the config folder), or a later ``remap`` without it will undo it.
    """
    taxonomy: Taxonomy = load_taxonomy(taxonomy_files)
    store = Warehouse(warehouse)
    if not store.exists:
        with store.reading():  # raises EmptyWarehouse with the standard message
            pass
    with store.writing() as con:
        changed = loader.apply_taxonomy(con, taxonomy)
        still = loader.unmapped_categories(con)
    return changed, still, taxonomy.user_files


# ---------------------------------------------------------------- dashboard


def dashboard(
    start: str | date,
    end: str | date,
    *,
    area: str | None = None,
    vintage: str | date | None = None,
    comparators: Sequence[str] | None = None,
    profile: PathLike | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
):
    """The Performance Dashboard report model for an area and period (issue 3)."""
    reports = dashboards(
        [area] if area else [None],
        start,
        end,
        vintage=vintage,
        comparators=comparators,
        profile=profile,
        warehouse=warehouse,
        taxonomy_files=taxonomy_files,
    )
    return reports[0]


def dashboards(
    areas: Sequence[str | None],
    start: str | date,
    end: str | date,
    *,
    vintage: str | date | None = None,
    comparators: Sequence[str] | None = None,
    profile: PathLike | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
):
    """Dashboards for several areas, loading the data once (e.g. all 32 boroughs)."""
    from cspkit.products.performance_dashboard import performance_dashboard
    from cspkit.profile import load_profile

    first = parse_month(start) if isinstance(start, str) else start
    last = parse_month(end) if isinstance(end, str) else end
    as_of = parse_month(vintage) if isinstance(vintage, str) else vintage
    if last < first:
        raise CspkitError(f"--to {format_month(last)} is before --from {format_month(first)}")
    base = load_profile(profile).with_comparators(list(comparators) if comparators else None)
    taxonomy = load_taxonomy(taxonomy_files)
    with Warehouse(warehouse).reading() as con:
        inputs = _dashboard_inputs(con, base, taxonomy, first, last, as_of)
    return [
        performance_dashboard(base.with_area(name), first, last, inputs, as_of=as_of)
        for name in areas
    ]


def _dashboard_inputs(con, profile, taxonomy: Taxonomy, first: date, last: date, as_of):
    from cspkit.products.performance_dashboard import DashboardInputs, IndicatorData, data_window
    from cspkit.warehouse import matrix as matrices

    window_first, window_last = data_window(first, last)
    indicators = []
    for indicator in profile.indicators:
        if indicator.source == "mps_borough":
            m = matrices.borough_matrix(
                con, taxonomy.expand(indicator.offence), window_first, window_last, as_of=as_of
            )
            what = "MPS borough crime file"
        else:
            m = matrices.dashboard_matrix(
                con, indicator.subgroup, indicator.measure, window_first, window_last, as_of=as_of
            )
            what = f"MPS Monthly Crime Dashboard data ('{indicator.subgroup}')"
        if m is None or not m.sources:
            at = f" at vintage {format_month(as_of)}" if as_of else ""
            reason = (
                f"no {what} covering {format_month(window_first)} to "
                f"{format_month(window_last)}{at} has been ingested"
            )
            indicators.append(IndicatorData(indicator, None, reason))
        else:
            indicators.append(IndicatorData(indicator, m))
    directory = area_directory()
    london = {a.code: a.name for a in directory.areas if a.kind == "london_borough"}
    return DashboardInputs(
        window_first=window_first,
        window_last=window_last,
        indicators=indicators,
        populations=matrices.populations(con, profile.population_series),
        population_series=profile.population_series,
        population_files=matrices.population_sources(con, profile.population_series),
        london=london,
    )


# ---------------------------------------------------------------- needs assessment


def sna(
    start: str | date,
    end: str | date,
    *,
    area: str | None = None,
    vintage: str | date | None = None,
    boundaries: PathLike | None = None,
    search_boundaries: PathLike | None = None,
    profile: PathLike | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
):
    """The Serious Violence Strategic Needs Assessment data pack (issues 4 and 5).

    ``search_boundaries`` (WGS84 or BNG borough boundaries) adds the stop-and-search
    section where data.police.uk searches are loaded; street-level crimes, where loaded,
    add counts by ward through the LSOA lookup.
    """
    from cspkit.products import needs_assessment as na
    from cspkit.profile import load_profile
    from cspkit.warehouse import matrix as matrices

    first, last, as_of = _period(start, end, vintage)
    the_profile = load_profile(profile).with_area(area)
    taxonomy = load_taxonomy(taxonomy_files)
    window_first = min(first, add_months(last, -23))
    with Warehouse(warehouse).reading() as con:
        wanted = {row_id: taxonomy.expand(row_id) for row_id, _ in na.YEAR_END_ROWS}
        wanted["serious_violence"] = taxonomy.expand("serious_violence_open_data")
        built = {
            key: matrices.borough_matrix(con, ids, window_first, last, as_of=as_of)
            for key, ids in wanted.items()
        }
        dashboard = {
            hid: matrices.dashboard_matrix(
                con, subgroup, "Offences", window_first, last, as_of=as_of
            )
            for hid, _, subgroup in na.DASHBOARD_HEADLINES
        }
        inputs = na.NeedsInputs(
            first=first,
            last=last,
            matrices=built,
            dashboard=dashboard,
            populations=matrices.populations(con, the_profile.population_series),
            population_series=the_profile.population_series,
            population_files=matrices.population_sources(con, the_profile.population_series),
            london=_london(),
            home_code=the_profile.home.code,
            home_name=the_profile.home.name,
            as_of=as_of,
        )
        report = na.needs_assessment(inputs)
        report.wards = _sna_wards(con, na, taxonomy, the_profile.home, last, as_of, boundaries)
        report.street_crime = _sna_street_crime(con, the_profile.home, first, last)
    report.stop_search = _sna_stop_search(
        the_profile.home, first, last, search_boundaries, warehouse
    )
    # every file behind a figure goes on the Data sources page
    extra = list(report.wards.get("sources", []))
    if boundaries and report.wards.get("available"):
        extra.append(SourceRef(str(boundaries), None, "ward boundaries (the map)"))
    if report.stop_search.get("available"):
        extra += report.stop_search["profile"].sources
    if report.street_crime.get("available"):
        extra.append(SourceRef(report.street_crime["lookup"], None, "LSOA to ward lookup"))
    known = {s.path for s in report.sources}
    for source in extra:
        if source.path not in known:
            known.add(source.path)
            report.sources.append(source)
    return report


def _sna_street_crime(con, home: Area, first: date, last: date) -> dict:
    """Street-level crimes (data.police.uk) by ward of the home area, where loaded."""
    from cspkit.warehouse import police_geo

    loaded = con.execute("SELECT count(*) FROM street_crimes").fetchone()[0]
    if not loaded:
        return {"available": False, "reason": "no data.police.uk street-level crime is loaded"}
    try:
        counts = police_geo.crime_counts_by(con, "ward", first=first, last=last)
    except CspkitError as exc:
        return {"available": False, "reason": str(exc)}
    wards = dict(
        con.execute(
            "SELECT DISTINCT ward_code, ward_name FROM lsoa_ward_lookup WHERE lad_code = ?",
            [home.code],
        ).fetchall()
    )
    totals: dict[str, int] = {}
    for row in counts.rows:
        if row.code in wards:
            totals[row.code] = totals.get(row.code, 0) + row.count
    if not totals:
        return {
            "available": False,
            "reason": f"the street-level crimes loaded have none in {home.name}'s wards "
            f"from {first:%B %Y} to {last:%B %Y}",
        }
    rows = sorted(
        ({"ward": wards[c], "code": c, "crimes": n} for c, n in totals.items()),
        key=lambda r: (-r["crimes"], r["ward"]),
    )
    return {
        "available": True,
        "rows": rows,
        "unplaced": counts.unplaced,
        "asb": counts.asb,
        "lookup": counts.lookup,
        "note": "Street-level crimes placed by their LSOA through the ONS LSOA 2021 to ward "
        "2025 best-fit lookup; anti-social behaviour is not crime and is left out; "
        f"{counts.unplaced:,} crimes in the loaded data had no LSOA or one not in the lookup.",
    }


def _sna_stop_search(home: Area, first: date, last: date, boundaries, warehouse):
    """The stop-and-search section: the profile of the home area, where searches exist."""
    if not boundaries:
        return {
            "available": False,
            "reason": "no boundaries were given to place searches (--search-boundaries)",
        }
    profile = stop_search(first, last, area=home.code, boundaries=boundaries, warehouse=warehouse)
    if not profile.searches:
        return {
            "available": False,
            "reason": f"no stop and search records placed in {home.name} from "
            f"{first:%B %Y} to {last:%B %Y} are loaded",
        }
    return {"available": True, "profile": profile}


def ward_pack(
    areas: Sequence[str],
    end: str | date,
    *,
    vintage: str | date | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
) -> list[dict]:
    """The needs assessment's ward section for several boroughs, queried together."""
    from cspkit.products import needs_assessment as na

    last = parse_month(end) if isinstance(end, str) else end
    as_of = parse_month(vintage) if isinstance(vintage, str) else vintage
    taxonomy = load_taxonomy(taxonomy_files)
    directory = area_directory()
    homes = [directory.match(a) for a in areas]
    with Warehouse(warehouse).reading() as con:
        return _ward_sections(con, na, taxonomy, homes, last, as_of)


def _ward_sections(con, na, taxonomy: Taxonomy, homes: list[Area], last: date, as_of):
    """Ward sections for the 12 months to the last month a ward file covers (<= last)."""
    from cspkit.warehouse import wards
    from cspkit.warehouse.query import chosen_files

    covered = chosen_files(con, add_months(last, -35), last, as_of=as_of, source="mps_ward")
    if not covered:
        return [na.ward_section(h.name, None, None, "drug offences", {}) for h in homes]
    ward_last = max(covered)
    ward_first = add_months(ward_last, -11)
    codes = [h.code for h in homes]
    totals = wards.ward_totals_for(
        con, codes, taxonomy.expand("total"), ward_first, ward_last, as_of=as_of
    )
    drugs = wards.ward_totals_for(
        con, codes, taxonomy.expand("drug_offences"), ward_first, ward_last, as_of=as_of
    )
    pops = wards.ward_populations(con, [w.ward_code for t in totals.values() for w in t.wards])
    pops = {c: tuple(p) for c, p in pops.items()}
    return [
        na.ward_section(h.name, totals[h.code], drugs[h.code], "drug offences", pops) for h in homes
    ]


def _sna_wards(con, na, taxonomy: Taxonomy, home: Area, last: date, as_of, boundaries):
    """The ward section of one pack, with its map when boundaries are given."""
    [section] = _ward_sections(con, na, taxonomy, [home], last, as_of)
    if section.get("available") and boundaries:
        chart, section["unmatched"] = _ward_map(section, home, boundaries)
        if chart is not None:
            section["map"] = chart
    elif section.get("available"):
        section["notes"].append(
            "No ward boundaries were given (--boundaries), so there is no map; the table "
            "shows every ward."
        )
    return section


def _ward_map(section: dict, home: Area, boundaries_path):
    """The choropleth of the mapped offence's rate, drawn from user-supplied boundaries."""
    from cspkit.products.document import Chart, Table
    from cspkit.render.choropleth import choropleth_svg, map_text_alternative, unmatched
    from cspkit.sources.boundaries import read_boundaries

    shapes = read_boundaries(boundaries_path)
    values = {r["code"]: r["mapped_rate_per_1000"] for r in section["rows"]}
    subset = shapes.subset([c for c in values if c in shapes])
    missing = unmatched(values, subset)
    name = section["mapped_offence"]
    if not len(subset):
        section["notes"].append(
            f"None of the {len(values)} wards has a boundary in {boundaries_path}, so there is "
            f"no map (the wards here use {', '.join(section['code_sets'])} ward codes; "
            "supply boundaries of the same vintage). Every ward is in the table."
        )
        return None, missing
    title = f"{name.capitalize()} per 1,000 residents by ward, {home.name}"
    svg = choropleth_svg(
        subset,
        values,
        title=title,
        value_label="per 1,000",
        area_label="wards",
        chart_id="ward-map",
    )
    text = map_text_alternative(subset, values, area_label="wards", value_label="per 1,000")
    if missing:
        names = {r["code"]: r["ward"] for r in section["rows"]}
        listed = ", ".join(f"{names[c]} ({c})" for c in missing)
        text += f" Wards with no boundary in {boundaries_path} (not drawn): {listed}."
        section["notes"].append(f"Not on the map (no boundary supplied): {listed}.")
    table = Table(
        title="Ward map data",
        columns=["Ward", "Code", f"{name.capitalize()}", "Per 1,000", "Band", "On the map"],
        rows=[
            [
                r["ward"],
                r["code"],
                r["mapped_count"],
                r["mapped_rate_per_1000"],
                r["band"],
                "no" if r["code"] in missing else "yes",
            ]
            for r in section["rows"]
        ],
        formats=["text", "text", "int", "rate", "text", "text"],
    )
    return Chart(title, text, table, svg=svg), missing


def assess(
    year: str,
    *,
    area: str | None = None,
    vintage: str | date | None = None,
    profile: PathLike | None = None,
    warehouse: PathLike | None = None,
    taxonomy_files: Sequence[PathLike] | None = None,
):
    """The annual Strategic Assessment's evidence section for a financial year (issue 4)."""
    from cspkit.products import strategic_assessment as sa
    from cspkit.profile import load_profile
    from cspkit.warehouse import matrix as matrices

    start_year = sa.parse_financial_year(year)
    as_of = parse_month(vintage) if isinstance(vintage, str) else vintage
    the_profile = load_profile(profile).with_area(area)
    taxonomy = load_taxonomy(taxonomy_files)
    first, last = sa.fy_months(start_year - 5)[0], sa.fy_months(start_year)[1]
    ids = {rid: taxonomy.expand(rid) for rid, _ in sa.RATE_ROWS}
    for rid, _, _ in sa.LONG_TERM_ROWS:
        ids[rid] = (
            taxonomy.expand("criminal_damage_and_arson")
            if rid == "criminal_damage"
            else taxonomy.expand(rid)
        )
    with Warehouse(warehouse).reading() as con:
        inputs = sa.AssessmentInputs(
            start_year=start_year,
            matrices={
                rid: matrices.borough_matrix(con, offences, first, last, as_of=as_of)
                for rid, offences in ids.items()
            },
            populations=matrices.populations(con, the_profile.population_series),
            population_series=the_profile.population_series,
            population_files=matrices.population_sources(con, the_profile.population_series),
            london=_london(),
            home_code=the_profile.home.code,
            home_name=the_profile.home.name,
            as_of=as_of,
        )
    return sa.strategic_assessment(inputs)


def stop_search(
    start: str | date,
    end: str | date,
    *,
    area: str | None = None,
    force: str | None = None,
    boundaries: PathLike | None = None,
    profile: PathLike | None = None,
    warehouse: PathLike | None = None,
):
    """The stop-and-search profile of an area (issue 5): searches placed by coordinates.

    ``boundaries`` (a GeoJSON or shapefile, WGS84 or British National Grid) is required,
    or ``CSPKIT_BOUNDARIES``; the "unplaced" counts are of every search in the period
    (and force), since a search with no coordinates cannot be given to any area.
    """
    from cspkit.products import stop_search as ss
    from cspkit.profile import load_profile
    from cspkit.sources.boundaries import read_boundaries
    from cspkit.warehouse import police_geo

    first, last, _ = _period(start, end, None)
    home = load_profile(profile).with_area(area).home
    path = boundaries or os.environ.get("CSPKIT_BOUNDARIES")
    if not path:
        raise CspkitError(
            "stop-and-search searches are placed in areas by their coordinates: give the area "
            "boundaries with --boundaries (e.g. ../shared/data/boundaries/"
            "london_boroughs.geojson) or set CSPKIT_BOUNDARIES"
        )
    shapes = read_boundaries(path)
    with Warehouse(warehouse).reading() as con:
        placed = police_geo.place_searches(con, shapes, force=force, first=first, last=last)
        records = police_geo.search_records(con, placed.rowids_in(home.code))
        census = query.census_counts(con, home.code, "TS021")
    inputs = ss.SearchInputs(
        area=home.name,
        code=home.code,
        force=force,
        first=first,
        last=last,
        months=records["month"],
        types=records["type"],
        genders=records["gender"],
        age_ranges=records["age_range"],
        self_defined=records["self_defined_ethnicity"],
        officer_defined=records["officer_defined_ethnicity"],
        legislation=records["legislation"],
        objects=records["object_of_search"],
        outcomes=records["outcome"],
        linked=records["outcome_linked_to_object"],
        source_kinds=records["source_kind"],
        unplaced={
            "no_coordinates": placed.no_coordinates,
            "outside_every_area": placed.outside,
        },
        census_ethnicity=census,
        sources=[SourceRef(p, None, "data.police.uk") for p in records.get("paths", [])]
        + [SourceRef(str(path), None, "boundaries used to place searches")],
    )
    return ss.stop_search_profile(inputs)


def _period(start, end, vintage) -> tuple[date, date, date | None]:
    first = parse_month(start) if isinstance(start, str) else start
    last = parse_month(end) if isinstance(end, str) else end
    as_of = parse_month(vintage) if isinstance(vintage, str) else vintage
    if last < first:
        raise CspkitError(f"--to {format_month(last)} is before --from {format_month(first)}")
    return first, last, as_of


def _london() -> dict[str, str]:
    return {a.code: a.name for a in area_directory().areas if a.kind == "london_borough"}


__all__ = [
    "FileResult",
    "IngestReport",
    "Series",
    "SourceFormatError",
    "areas",
    "assess",
    "dashboard",
    "dashboards",
    "ingest",
    "offences",
    "population",
    "remap",
    "series",
    "sna",
    "stop_search",
    "ward_pack",
    "unmapped",
    "vintages",
]
