"""``make demo``: ingest the bundled data and build the board's Performance Dashboard.

Run as ``python -m cspkit.demo --data ../shared/data --out demo-output``. It builds a
fresh warehouse in the output folder (never the user's own), loads the MPS borough
files and the population tables, and writes Barnet's Performance Dashboard for
October-December 2023 as the data stood at vintage 2024-01 (the release the board's
March 2024 pack was built on) as PDF and HTML. It also writes Barnet's monthly counts
to a CSV, prints the residential burglary figures at two vintages, and says where
everything is.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from cspkit import api
from cspkit.errors import CspkitError
from cspkit.measures.periods import format_month

AREA = "Barnet"
OFFENCES = (
    "residential_burglary",
    "non_residential_burglary",
    "personal_robbery",
    "violence_with_injury",
    "total",
)
FIRST, LAST = "2021-01", "2025-02"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    args = parser.parse_args(argv)
    console = Console()
    try:
        return _run(args.data, args.out, console)
    except CspkitError as exc:
        Console(stderr=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
        return 2


def _run(data: Path, out: Path, console: Console) -> int:
    out.mkdir(parents=True, exist_ok=True)
    warehouse = out / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    sources = [data / "mps" / "borough", data / "population"]
    console.print(f"Ingesting {', '.join(str(s) for s in sources)} ...")
    report = api.ingest(sources, warehouse=warehouse, taxonomy_files=[])
    console.print(f"Loaded {len(report.loaded)} files into {warehouse}.")

    series = {
        offence: api.series(AREA, offence, FIRST, LAST, warehouse=warehouse, taxonomy_files=[])
        for offence in OFFENCES
    }
    product = out / "barnet-monthly-counts.csv"
    with product.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", *OFFENCES, "vintage"])
        first = series[OFFENCES[0]]
        for index, value in enumerate(first.values):
            row = [series[o].values[index].count for o in OFFENCES]
            writer.writerow([format_month(value.month), *row, format_month(value.vintage)])

    table = Table(title="Barnet residential burglary, October-December 2023", title_justify="left")
    table.add_column("as the data stood at")
    table.add_column("count", justify="right")
    for vintage in ("2024-01", None):
        s = api.series(
            AREA,
            "residential_burglary",
            "2023-10",
            "2023-12",
            vintage=vintage,
            warehouse=warehouse,
            taxonomy_files=[],
        )
        table.add_row(vintage or "latest vintage (2025-02)", f"{s.total:,}")
    console.print(table)
    from cspkit.render import render_dashboard

    with console.status("Building the Performance Dashboard (PDF and HTML) ..."):
        report = api.dashboard(
            "2023-10",
            "2023-12",
            area=AREA,
            vintage="2024-01",
            warehouse=warehouse,
            taxonomy_files=[],
        )
        pdf = render_dashboard(report, "pdf", out / "barnet-dashboard-2023-10-to-2023-12.pdf")
        html = render_dashboard(report, "html", out / "barnet-dashboard-2023-10-to-2023-12.html")
    summary = Table(
        title=f"Performance Dashboard, {report.area.name}: {report.period_label} (vintage 2024-01)",
        title_justify="left",
    )
    for column in ("indicator", "count", "last year", "change", "London rank"):
        summary.add_column(column)
    for ind in report.indicators:
        if ind.available:
            summary.add_row(
                ind.name,
                str(ind.count),
                str(ind.comparison_count),
                ind.change_words,
                f"{ind.london_rank}/{ind.london_rank_of} {ind.london_rag.symbol} "
                f"{ind.london_rag.word}",
            )
        else:
            summary.add_row(
                ind.name, "no data loaded" if ind.status == "no data" else "incomplete", "", "", ""
            )
    console.print(summary)
    console.print(f"Main output: {pdf.resolve()}")
    console.print(f"             {html.resolve()}")
    console.print(f"Monthly counts: {product.resolve()}")
    console.print(f"Warehouse:   {warehouse.resolve()}")
    console.print(
        f"Try: .venv/bin/cspkit series --warehouse {warehouse} --area Barnet "
        "--offence burglary --from 2023-01 --to 2023-12"
    )
    _web_demo(out, console)
    return 0


def _web_demo(out: Path, console: Console) -> None:
    """Load the partnership web app's demo (strategy, action plan, accounts) beside the rest."""
    import os

    database = (out / "web.sqlite3").resolve()
    database.unlink(missing_ok=True)
    os.environ.pop("CSPKIT_DATABASE_URL", None)
    os.environ["CSPKIT_WEB_DB"] = str(database)
    from django.core.management import call_command

    from cspkit.web import setup

    setup()
    call_command("migrate", interactive=False, verbosity=0)
    from cspkit.web.plan.demo import DEMO_ACCOUNTS, load_demo

    with console.status("Loading the partnership web app's demo (strategy and action plan) ..."):
        result = load_demo()
    plan = result.plan
    from cspkit.web.cli import _partner_records

    console.print(f"Web app: {plan.actions.count()} actions of {plan} in {database}")
    console.print(f"  {_partner_records(plan.partnership)}")
    console.print(
        "Open it: [bold]make serve[/] (or .venv/bin/cspkit serve --database "
        f"{database}), then http://127.0.0.1:8000/ and sign in as"
    )
    for account in DEMO_ACCOUNTS:
        console.print(
            f"  {account.username:<14} password {account.password:<18} "
            f"({account.role}, {account.organisation})"
        )
    console.print("  - demo accounts for trying it on this machine only.")


if __name__ == "__main__":
    sys.exit(main())
