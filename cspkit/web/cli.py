"""``cspkit web ...`` and ``cspkit serve``: the web app from the command line.

Django is imported only when one of these runs, so the data commands stay fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

web_app = typer.Typer(
    help="The partnership web app: demo data, the VRU spreadsheet, admin.", no_args_is_help=True
)
out = Console()

DatabaseOpt = Annotated[
    Path | None,
    typer.Option(
        "--database",
        help="SQLite file for the app. Default: $CSPKIT_DATABASE_URL, "
        "else $CSPKIT_WEB_DB, else web.sqlite3 in the per-user data folder.",
        show_default=False,
    ),
]


def _django(database: Path | None) -> None:
    if database is not None:
        os.environ.pop("CSPKIT_DATABASE_URL", None)
        os.environ["CSPKIT_WEB_DB"] = str(database.resolve())
    from django.core.exceptions import ImproperlyConfigured

    from cspkit.web import setup

    try:
        setup()
    except ImproperlyConfigured as exc:  # a setting the user must fix, not a bug
        Console(stderr=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None


def _partner_records(partnership) -> str:
    """One line on the partner indicators and meetings the demo loaded with the plan."""
    from cspkit.web.kpis.models import Indicator, Return
    from cspkit.web.plan.models import BoardMeeting

    indicators = Indicator.objects.filter(partnership=partnership)
    returns = Return.objects.filter(indicator__in=indicators).count()
    meetings = BoardMeeting.objects.filter(partnership=partnership).count()
    return (
        f"{indicators.count()} partner indicators with {returns} returns; "
        f"{meetings} board meetings with their agendas."
    )


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _where() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite file {db['NAME']}"
    return f"PostgreSQL database {db['NAME']} on {db.get('HOST') or 'localhost'}"


@web_app.command("demo")
def demo(
    database: DatabaseOpt = None,
    accounts: bool = typer.Option(True, help="Create the three local demo accounts."),
) -> None:
    """Load Barnet's strategy, objectives, SNA recommendations and VRU action plan (2023/24)."""
    _django(database)
    _migrate()
    from cspkit.web.plan.demo import DEMO_ACCOUNTS, load_demo

    result = load_demo(accounts=accounts)
    plan = result.plan
    out.print(f"Loaded {plan} into the {_where()}.")
    out.print(
        f"  {plan.themes.count()} themes, {plan.actions.count()} actions "
        f"({len(result.created)} new, {len(result.updated)} changed, "
        f"{len(result.unchanged)} unchanged); strategy '{plan.strategy}' with "
        f"{plan.strategy.objectives.count()} objectives and "
        f"{plan.strategy.recommendations.count()} recommendations."
    )
    out.print(f"  {_partner_records(plan.partnership)}")
    if accounts:
        out.print("Demo accounts (for trying the app on this machine only):")
        for account in DEMO_ACCOUNTS:
            out.print(f"  {account.role:<7} {account.username:<14} password {account.password}")
    serve_cmd = f"cspkit serve --database {database}" if database else "cspkit serve"
    out.print(f"Run [bold]{serve_cmd}[/] and open http://127.0.0.1:8000/")


@web_app.command(
    "manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def manage(ctx: typer.Context, database: DatabaseOpt = None) -> None:
    """Run a Django management command, e.g. `cspkit web manage createsuperuser`."""
    _django(database)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cspkit web manage", *ctx.args])


@web_app.command("import-plan")
def import_plan(
    file: Annotated[
        Path,
        typer.Argument(help="The action plan spreadsheet (.xlsx) in the VRU template's layout."),
    ],
    database: DatabaseOpt = None,
) -> None:
    """Import the action plan from a VRU spreadsheet; a file with any problem changes nothing.

    Problems are listed (sheet, row, column, value, problem) and the exit code is 2.
    """
    if not file.is_file():
        out.print(f"[red]No such file:[/] {file}")
        raise typer.Exit(2)
    _django(database)
    _migrate()
    from rich.table import Table

    from cspkit.web.plan.vru_xlsx import WorkbookErrors, import_workbook

    try:
        result = import_workbook(file, source_name=file.name)
    except WorkbookErrors as exc:
        table = Table(
            title=f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} "
            f"in {file.name} - nothing was imported",
            show_lines=True,
        )
        for heading in ("Sheet", "Row", "Column", "Value", "Problem"):
            table.add_column(heading, overflow="fold")
        for p in exc.problems:
            row = "" if p.row is None else str(p.row)
            value = p.value if len(p.value) <= 80 else p.value[:77] + "..."
            table.add_row(p.sheet or "(file)", row, p.column, value, p.problem)
        out.print(table)
        raise typer.Exit(2) from None
    plan = result.plan
    out.print(f"Imported {file.name} into {plan} ({plan.partnership}) in the {_where()}.")
    out.print(
        f"  {len(result.created)} new, {len(result.updated)} changed and "
        f"{len(result.unchanged)} unchanged actions."
    )
    for label, items in (
        ("New", result.created),
        ("Changed", result.updated),
        ("Not in the file (left as they were)", result.not_in_file),
        ("New organisations", result.new_organisations),
    ):
        if items:
            out.print(f"  {label}: {', '.join(items)}")


@web_app.command("export-plan")
def export_plan(
    file: Annotated[Path, typer.Argument(help="Where to write the spreadsheet (.xlsx).")],
    year: Annotated[
        str | None,
        typer.Option("--year", help="The plan's year, e.g. 2023/24. Default: the latest."),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Write the action plan as the VRU spreadsheet (XLSX), ready to send or to import again."""
    _django(database)
    _migrate()
    from cspkit.web.plan.models import ActionPlan
    from cspkit.web.plan.plan_io import plan_data
    from cspkit.web.plan.vru_xlsx import workbook_bytes

    plans = ActionPlan.objects.select_related("partnership")
    if year:
        plans = plans.filter(year=year)
    found = list(plans.order_by("-year", "-pk"))
    partnerships = {p.partnership_id for p in found}
    if not found:
        known = ", ".join(sorted(set(ActionPlan.objects.values_list("year", flat=True))))
        out.print(
            f"[red]No action plan{f' for {year}' if year else ''} in the {_where()}.[/] "
            + (f"Plans: {known}." if known else "Load one with `cspkit web demo` or import-plan.")
        )
        raise typer.Exit(2)  # a user error, as everywhere in the CLI
    if len(partnerships) > 1:
        names = ", ".join(sorted({f"{p.partnership} {p.year}" for p in found}))
        out.print(f"[red]Plans of several partnerships match:[/] {names}. Give --year.")
        raise typer.Exit(2)  # a user error, as everywhere in the CLI
    plan = found[0]
    file.write_bytes(workbook_bytes(plan_data(plan)))
    out.print(f"Wrote {plan} ({plan.actions.count()} actions) to {file}.")


@web_app.command("meeting-pack")
def meeting_pack(
    day: Annotated[
        str, typer.Option("--date", help="The meeting's date, YYYY-MM-DD.", show_default=False)
    ],
    out_file: Annotated[
        Path, typer.Option("--out", help="Where to write the pack (PDF).", show_default=False)
    ],
    warehouse: Annotated[
        Path | None,
        typer.Option(
            "--warehouse",
            help="The police data warehouse. Default: $CSPKIT_WAREHOUSE, "
            "else the per-user data folder.",
            show_default=False,
        ),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Build a board meeting's pack (dashboard, action plan progress, KPIs) as one PDF.

    The same pack as the meeting page's "Build the pack" button; the build is also kept in
    the app, listed on the meeting's page. No meeting on that date: exit 2.
    """
    from datetime import date as Date

    try:
        when = Date.fromisoformat(day)
    except ValueError:
        out.print(f"[red]--date must be a date like 2024-03-01, not {day!r}.[/]")
        raise typer.Exit(2) from None
    _django(database)
    _migrate()
    from cspkit.web.meetings.services import make_pack, write_pack
    from cspkit.web.plan.models import BoardMeeting

    found = list(BoardMeeting.objects.filter(date=when).select_related("partnership"))
    if len(found) != 1:
        dates = sorted({m.date.isoformat() for m in BoardMeeting.objects.all()})
        if not found:
            out.print(f"[red]No board meeting on {when.isoformat()} in the {_where()}.[/]")
        else:
            names = ", ".join(sorted(str(m.partnership) for m in found))
            out.print(f"[red]Several partnerships meet on {when.isoformat()}:[/] {names}.")
        out.print(
            f"Meetings: {', '.join(dates)}." if dates else "No meetings yet: see `cspkit web demo`."
        )
        raise typer.Exit(2)
    meeting = found[0]
    with out.status(f"Building the pack for {meeting} ..."):
        pack = make_pack(meeting, warehouse=warehouse)
    write_pack(pack, out_file)
    police = (
        f"police data release {pack.vintages_used}"
        if pack.vintages_used
        else f"no dashboard: {pack.dashboard_note}"
    )
    out.print(
        f"Wrote the pack for {meeting} to {out_file}: {pack.pages} pages; dashboard "
        f"{pack.period_first:%B} to {pack.period_last:%B %Y} ({police}); "
        f"{pack.kpi_count} partner indicators. Kept in the app as pack {pack.pk}."
    )


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; the default serves this machine only."),
    ] = "127.0.0.1",
    threads: Annotated[
        int,
        typer.Option(
            "--threads", help="Worker threads (4 measured best on 2 cores; docs/performance.md)."
        ),
    ] = 4,
    database: DatabaseOpt = None,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy",
            help="Address of a reverse proxy (e.g. 127.0.0.1) whose X-Forwarded-For and "
            "X-Forwarded-Proto headers are trusted: needed behind nginx with HTTPS.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the web app (waitress WSGI server), bringing the database schema up to date first."""
    _django(database)
    _migrate()
    from cspkit.web.wsgi import application

    try:
        from waitress.server import create_server

        behind = {}
        if proxy:
            behind = {
                "trusted_proxy": proxy,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                "clear_untrusted_proxy_headers": True,
            }
        server = create_server(
            application, host=host, port=port, threads=threads, ident="cspkit", **behind
        )
    except OSError as exc:
        Console(stderr=True).print(
            f"[bold red]Error:[/] cannot listen on {host}:{port} ({exc.strerror}). "
            "Is another server using that port? Try --port 8001.",
            highlight=False,
        )
        raise typer.Exit(2) from None
    out.print(f"cspkit web app on http://{host}:{port}/ using the {_where()}. Ctrl+C stops it.")
    try:
        server.run()
    except KeyboardInterrupt:
        out.print("Stopped.")
