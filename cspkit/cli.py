"""The command line: a thin shell over :mod:`cspkit.api` (parse, call, print).

Errors the user can act on (:class:`CspkitError`) are printed as one message and
exit with status 2; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cspkit import api
from cspkit.errors import CspkitError
from cspkit.measures.periods import format_month
from cspkit.taxonomy.offences import user_config_mappings

app = typer.Typer(
    help="cspkit: crime and community-safety evidence for Community Safety Partnerships.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        help="Warehouse file. Default: $CSPKIT_WAREHOUSE, else a per-user data folder.",
        show_default=False,
    ),
]
TaxonomyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--taxonomy",
        help="Your own offence mapping CSV (repeatable). Default: $CSPKIT_TAXONOMY, "
        "else mappings.csv in the user config folder if present.",
        show_default=False,
    ),
]


class ProductFormat(StrEnum):
    pdf = "pdf"
    html = "html"
    xlsx = "xlsx"
    json = "json"


# Options shared by the product commands (dashboard, sna, assess, stop-search).
OutOpt = Annotated[Path, typer.Option("--out", help="File to write.")]
FormatOpt = Annotated[ProductFormat, typer.Option("--format", help="Output format.")]
AreaOpt = Annotated[
    str | None,
    typer.Option("--area", help="Home area (name or GSS code). Default: the profile's."),
]
VintageOpt = Annotated[
    str | None,
    typer.Option("--vintage", help="As the data stood at this release, YYYY-MM."),
]
ProfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--profile",
        help="Partnership profile YAML. Default: $CSPKIT_PROFILE, else the built-in one.",
    ),
]


class SeriesFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def user_errors(func):
    """Turn a CspkitError into a plain message and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global out, err
        out, err = Console(), Console(stderr=True)  # size to the terminal of this run
        try:
            return func(*args, **kwargs)
        except CspkitError as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _table(title: str, columns: tuple[str, ...], wrap: tuple[str, ...] = ()) -> Table:
    """A left-titled table; only the columns named in ``wrap`` may wrap (long text)."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        if column in wrap:
            table.add_column(column, overflow="fold", ratio=1)
        else:
            table.add_column(column, no_wrap=True)
    return table


def _month(value: date | None) -> str:
    return format_month(value) if value else ""


def _taxonomy(option: list[Path] | None) -> list[Path] | None:
    return option or None


@app.command()
@user_errors
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files, folders or zip files (folders are searched for .csv, .json and .zip)."
        ),
    ],
    warehouse: WarehouseOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """Load data files into the warehouse, all or nothing.

    Reads MPS borough crime files (both layouts, 24-month and historical releases),
    population series and Census 2021 tables. Files already loaded (same content) are
    skipped. If any file is bad, nothing is loaded and the warehouse is unchanged.
    """
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("reading", total=None)

        def progress(message: str, done: int, total: int) -> None:
            bar.update(task, description=message, completed=done, total=total)

        report = api.ingest(
            paths, warehouse=warehouse, taxonomy_files=_taxonomy(taxonomy), progress=progress
        )

    table = _table(
        f"Ingest into {report.warehouse}",
        ("file", "status", "layout", "months", "rows", "vintage", "unmapped categories"),
        wrap=("file", "status", "layout", "unmapped categories"),
    )
    for f in report.files:
        months = f"{_month(f.first_month)}..{_month(f.last_month)}" if f.first_month else ""
        unmapped = ", ".join(f"{u.major} / {u.minor}" for u in f.unmapped) or (
            "none" if f.status == "loaded" and f.first_month else ""
        )
        status = f.status + (f" ({f.note})" if f.note else "")
        table.add_row(
            _short(f.path), status, f.layout, months, str(f.rows or ""), _month(f.vintage), unmapped
        )
    out.print(table)
    _print_unmapped(report.unmapped)
    loaded = len(report.loaded)
    out.print(f"{loaded} file(s) loaded, {len(report.files) - loaded} unchanged.")


def _print_unmapped(items) -> None:
    if not items:
        return
    table = Table(
        title="Source categories with no offence mapping (kept as unmapped)",
        title_justify="left",
        title_style="bold yellow",
    )
    for column in ("category", "file", "months", "total count"):
        table.add_column(column, overflow="fold")
    for u in items:
        table.add_row(
            f"{u.major} / {u.minor}",
            _short(u.path),
            f"{_month(u.first_month)}..{_month(u.last_month)}",
            f"{u.total:,}",
        )
    out.print(table)
    out.print(
        "Add a row per category to a mapping CSV of your own (columns "
        "source,major,minor,offence,from,to,note), keep it where cspkit always finds it "
        f"({user_config_mappings()} or a path in $CSPKIT_TAXONOMY) and run `cspkit remap`. "
        "See docs/taxonomy.md.",
        highlight=False,
    )


def _short(path: str) -> str:
    p = Path(path)
    return str(Path(p.parent.name) / p.name)


@app.command()
@user_errors
def series(
    area: Annotated[str, typer.Option("--area", help="Area name or GSS code, e.g. Barnet.")],
    offence: Annotated[
        str, typer.Option("--offence", help="Canonical offence or group id (`cspkit offences`).")
    ],
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    vintage: Annotated[
        str | None,
        typer.Option(
            "--vintage",
            help="Answer as the data stood then: use only releases whose last month "
            "is not after YYYY-MM. Default: the latest release covering each month.",
        ),
    ] = None,
    fmt: Annotated[SeriesFormat, typer.Option("--format", help="Output format.")] = (
        SeriesFormat.table
    ),
    warehouse: WarehouseOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """Monthly counts for one area and offence (or offence group)."""
    result = api.series(
        area,
        offence,
        start,
        end,
        vintage=vintage,
        warehouse=warehouse,
        taxonomy_files=_taxonomy(taxonomy),
    )
    if fmt is SeriesFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["month", "count"])
        for v in result.values:
            writer.writerow([_month(v.month), "" if v.count is None else v.count])
    elif fmt is SeriesFormat.json:
        sys.stdout.write(json.dumps(_series_json(result), indent=2) + "\n")
    else:
        _series_table(result)
    if result.missing:
        months = ", ".join(f"{_month(v.month)} ({v.reason})" for v in result.missing)
        err.print(
            f"[yellow]Warning:[/] the period is incomplete; no count for {months}.",
            highlight=False,
        )


def _series_json(result: api.Series) -> dict:
    return {
        "area": result.area.name,
        "code": result.area.code,
        "offence": result.offence,
        "offence_name": result.offence_name,
        "from": _month(result.first),
        "to": _month(result.last),
        "vintage": _month(result.as_of) or None,
        "complete": result.complete,
        "total": result.total,
        "values": [
            {
                "month": _month(v.month),
                "count": v.count,
                "vintage": _month(v.vintage) or None,
                "source": v.path,
                **({"missing_reason": v.reason} if v.count is None else {}),
            }
            for v in result.values
        ],
    }


def _series_table(result: api.Series) -> None:
    as_of = f", as at vintage {_month(result.as_of)}" if result.as_of else ", latest vintages"
    table = Table(
        title=f"{result.offence_name} in {result.area.name} ({result.area.code}){as_of}",
        title_justify="left",
    )
    table.add_column("month")
    table.add_column("count", justify="right")
    table.add_column("vintage")
    for v in result.values:
        count = f"{v.count:,}" if v.count is not None else "[yellow]no data[/]"
        table.add_row(_month(v.month), count, _month(v.vintage))
    total = f"{result.total:,}" if result.total is not None else "[yellow]incomplete[/]"
    table.add_section()
    table.add_row("total", total, "")
    out.print(table)
    for path, vintage in result.sources:
        out.print(f"Source: {path} (vintage {_month(vintage)})", highlight=False)


@app.command()
@user_errors
def areas(
    all_known: Annotated[
        bool, typer.Option("--all", help="List every area cspkit knows, loaded or not.")
    ] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Areas with data in the warehouse (GSS code, name, months and years loaded)."""
    rows = api.areas(warehouse=warehouse, all_known=all_known)
    table = Table(
        title="Known areas" if all_known else "Areas with data loaded", title_justify="left"
    )
    table.add_column("code")
    table.add_column("name")
    table.add_column("kind")
    if not all_known:
        table.add_column("crime months")
        table.add_column("population years")
    for r in rows:
        cells = [r["code"], r["name"], r["kind"]]
        if not all_known:
            crime = (
                f"{_month(r['first_month'])}..{_month(r['last_month'])}" if r["first_month"] else ""
            )
            pop = f"{r['first_year']}..{r['last_year']}" if r["first_year"] else ""
            cells += [crime, pop]
        table.add_row(*cells)
    out.print(table)


@app.command()
@user_errors
def offences(warehouse: WarehouseOpt = None, taxonomy: TaxonomyOpt = None) -> None:
    """Canonical offences and groups, and what is loaded for each."""
    info = api.offences(warehouse=warehouse, taxonomy_files=_taxonomy(taxonomy))
    table = _table(
        "Canonical offences",
        ("id", "name", "groups", "months loaded", "source names loaded"),
        wrap=("name", "groups", "source names loaded"),
    )
    for o in info["offences"]:
        months = f"{_month(o['first_month'])}..{_month(o['last_month'])}" if o["rows"] else "-"
        table.add_row(
            o["id"], o["name"], ", ".join(o["groups"]), months, "\n".join(o["source_names"])
        )
    out.print(table)
    groups = Table(title="Offence groups", title_justify="left")
    for column in ("id", "name", "offences"):
        groups.add_column(column, overflow="fold")
    for g in info["groups"]:
        members = "all offences" if g["id"] == "total" else ", ".join(g["offences"])
        groups.add_row(g["id"], g["name"], members)
    out.print(groups)
    if info["user_mapping_files"]:
        out.print("Your mapping files: " + ", ".join(info["user_mapping_files"]))
    if info["unmapped_rows"]:
        out.print(
            f"[yellow]{info['unmapped_rows']:,} stored counts have no offence mapping[/]; "
            "see `cspkit unmapped`."
        )


@app.command()
@user_errors
def population(
    area: Annotated[str, typer.Option("--area", help="Area name or GSS code.")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Population loaded for an area: each series by year, and Census 2021 totals."""
    pop = api.population(area, warehouse=warehouse)
    table = Table(title=f"Population of {pop.area.name} ({pop.area.code})", title_justify="left")
    table.add_column("series")
    table.add_column("year", justify="right")
    table.add_column("population", justify="right")
    for name, years in pop.series.items():
        for year, value in years.items():
            table.add_row(name, str(year), f"{value:,}")
    if "Total" in pop.census_age:
        table.add_row(
            "Census 2021 (TS007A usual residents)", "2021", f"{pop.census_age['Total']:,}"
        )
    out.print(table)
    if not pop.series and not pop.census_age:
        out.print("[yellow]No population loaded for this area.[/]")


@app.command()
@user_errors
def vintages(warehouse: WarehouseOpt = None) -> None:
    """Every ingested file: vintage (last month covered), layout, months and content hash."""
    rows = api.vintages(warehouse=warehouse)
    table = _table(
        "Ingested files, newest vintage first",
        ("vintage", "layout", "release", "months", "rows", "file", "sha256", "ingested"),
        wrap=("layout", "release", "file"),
    )
    for r in rows:
        months = (
            f"{_month(r['first_month'])}..{_month(r['last_month'])}" if r["first_month"] else ""
        )
        table.add_row(
            _month(r["vintage"]),
            r["layout"],
            r["release"] or "",
            months,
            str(r["n_rows"]),
            _short(r["path"]),
            r["sha256"][:12],
            f"{r['ingested_at']:%Y-%m-%d %H:%M}",
        )
    out.print(table)


@app.command()
@user_errors
def unmapped(warehouse: WarehouseOpt = None) -> None:
    """Source categories stored without a canonical offence."""
    items = api.unmapped(warehouse=warehouse)
    if not items:
        out.print("Every stored source category maps to a canonical offence.")
        return
    _print_unmapped(items)


@app.command()
@user_errors
def remap(warehouse: WarehouseOpt = None, taxonomy: TaxonomyOpt = None) -> None:
    """Re-apply the offence taxonomy (with your mapping files) to everything stored."""
    changed, still, files = api.remap(warehouse=warehouse, taxonomy_files=_taxonomy(taxonomy))
    used = ", ".join(files) if files else "none (built-in taxonomy only)"
    out.print(f"Your mapping files applied: {used}", highlight=False)
    out.print(f"{changed:,} stored counts changed offence.")
    if still:
        _print_unmapped(still)
    else:
        out.print("Every stored source category now maps to a canonical offence.")


@app.command()
@user_errors
def dashboard(
    start: Annotated[str, typer.Option("--from", help="First month of the period, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month of the period, YYYY-MM.")],
    out_path: OutOpt,
    fmt: FormatOpt = ProductFormat.pdf,
    area: AreaOpt = None,
    vintage: VintageOpt = None,
    comparators: Annotated[
        str | None,
        typer.Option(
            "--comparators",
            help="Comparator group, comma-separated (e.g. Barnet,Brent,Harrow). "
            "Default: the profile's (North West BCU).",
        ),
    ] = None,
    profile: ProfileOpt = None,
    warehouse: WarehouseOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """The quarterly Performance Dashboard for an area and period (PDF, HTML, XLSX or JSON)."""
    from cspkit.render import render_dashboard

    names = [c.strip() for c in comparators.split(",") if c.strip()] if comparators else None
    with err.status("Computing the dashboard ..."):
        report = api.dashboard(
            start,
            end,
            area=area,
            vintage=vintage,
            comparators=names,
            profile=profile,
            warehouse=warehouse,
            taxonomy_files=_taxonomy(taxonomy),
        )
    with err.status(f"Rendering {fmt.value.upper()} ..."):
        written = render_dashboard(report, fmt.value, out_path)
    table = _table(
        f"Performance Dashboard: {report.area.name}, {report.period_label}",
        ("indicator", "count", "same period last year", "change", "London rank", "status"),
        wrap=("indicator", "status"),
    )
    for ind in report.indicators:
        if ind.available:
            rank = f"{ind.london_rank}/{ind.london_rank_of}" if ind.london_rank else "-"
            table.add_row(
                ind.name,
                str(ind.count),
                "" if ind.comparison_count is None else str(ind.comparison_count),
                ind.change_words,
                rank,
                f"{ind.london_rag.symbol} {ind.london_rag.word}",
            )
        else:
            table.add_row(ind.name, "", "", "", "", f"{ind.status}: {ind.unavailable_reason}")
    out.print(table)
    out.print(f"Written: {written}", highlight=False)


@app.command()
@user_errors
def sna(
    start: Annotated[str, typer.Option("--from", help="First month of the window, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month of the window, YYYY-MM.")],
    out_path: OutOpt,
    fmt: FormatOpt = ProductFormat.pdf,
    area: AreaOpt = None,
    vintage: VintageOpt = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            help="Ward boundaries (shapefile .shp or GeoJSON) for the ward map. "
            "Without it the ward table is produced and the map is left out.",
        ),
    ] = None,
    search_boundaries: Annotated[
        Path | None,
        typer.Option(
            "--search-boundaries",
            help="Borough boundaries to place data.police.uk stop and search records in "
            "(adds the stop-and-search section), e.g. london_boroughs.geojson.",
        ),
    ] = None,
    profile: ProfileOpt = None,
    warehouse: WarehouseOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """The Serious Violence Strategic Needs Assessment data pack for an area and window."""
    from cspkit.products.needs_assessment import needs_contract
    from cspkit.products.pack_documents import needs_document
    from cspkit.render.document import render_document

    with err.status("Computing the needs assessment ..."):
        report = api.sna(
            start,
            end,
            area=area,
            vintage=vintage,
            boundaries=boundaries,
            search_boundaries=search_boundaries,
            profile=profile,
            warehouse=warehouse,
            taxonomy_files=_taxonomy(taxonomy),
        )
    with err.status(f"Rendering {fmt.value.upper()} ..."):
        written = render_document(
            needs_document(report), fmt.value, out_path, contract=needs_contract(report)
        )
    out.print(report.league_sentence, highlight=False)
    out.print(f"Written: {written}", highlight=False)


@app.command()
@user_errors
def assess(
    year: Annotated[str, typer.Option("--year", help="Financial year, YYYY/YY, e.g. 2022/23.")],
    out_path: OutOpt,
    fmt: FormatOpt = ProductFormat.pdf,
    area: AreaOpt = None,
    vintage: VintageOpt = None,
    profile: ProfileOpt = None,
    warehouse: WarehouseOpt = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """The annual Strategic Assessment's evidence section for a financial year."""
    from cspkit.products.pack_documents import assessment_document
    from cspkit.render.document import render_document

    report = api.assess(
        year,
        area=area,
        vintage=vintage,
        profile=profile,
        warehouse=warehouse,
        taxonomy_files=_taxonomy(taxonomy),
    )
    written = render_document(
        assessment_document(report), fmt.value, out_path, contract=vars(report)
    )
    for sentence in report.sentences:
        out.print(f"- {sentence}", highlight=False)
    out.print(f"Written: {written}", highlight=False)


@app.command("stop-search")
@user_errors
def stop_search(
    start: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    end: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    out_path: OutOpt,
    fmt: FormatOpt = ProductFormat.pdf,
    area: AreaOpt = None,
    force: Annotated[
        str | None,
        typer.Option("--force", help="Police force slug, e.g. metropolitan. Default: every force."),
    ] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            help="Area boundaries (GeoJSON or shapefile, WGS84 or British National Grid) to "
            "place searches by their coordinates. Default: $CSPKIT_BOUNDARIES.",
        ),
    ] = None,
    profile: ProfileOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """The stop-and-search profile of an area from data.police.uk records."""
    from cspkit.products.stop_search import stop_search_contract, stop_search_document
    from cspkit.render.document import render_document

    with err.status("Placing searches and building the profile ..."):
        report = api.stop_search(
            start,
            end,
            area=area,
            force=force,
            boundaries=boundaries,
            profile=profile,
            warehouse=warehouse,
        )
    written = render_document(
        stop_search_document(report), fmt.value, out_path, contract=stop_search_contract(report)
    )
    for sentence in report.sentences:
        out.print(f"- {sentence}", highlight=False)
    unplaced = report.unplaced
    out.print(
        f"Not placed: {unplaced.get('no_coordinates', 0):,} without coordinates, "
        f"{unplaced.get('outside_every_area', 0):,} outside every area.",
        highlight=False,
    )
    out.print(f"Written: {written}", highlight=False)


from cspkit.web.cli import serve as _serve  # noqa: E402  (Django loads only when it runs)
from cspkit.web.cli import web_app  # noqa: E402

app.add_typer(web_app, name="web")
app.command("serve")(_serve)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
