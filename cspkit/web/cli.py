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
    from cspkit.web import setup

    setup()


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
    if accounts:
        out.print("Demo accounts (for trying the app on this machine only):")
        for account in DEMO_ACCOUNTS:
            out.print(f"  {account.role:<7} {account.username:<14} password {account.password}")
    out.print("Run [bold]cspkit serve[/] and open http://127.0.0.1:8000/")


@web_app.command(
    "manage", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def manage(ctx: typer.Context, database: DatabaseOpt = None) -> None:
    """Run a Django management command, e.g. `cspkit web manage createsuperuser`."""
    _django(database)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cspkit web manage", *ctx.args])


def serve(
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; the default serves this machine only."),
    ] = "127.0.0.1",
    threads: Annotated[int, typer.Option("--threads", help="Worker threads.")] = 8,
    database: DatabaseOpt = None,
) -> None:
    """Run the web app (waitress WSGI server), bringing the database schema up to date first."""
    _django(database)
    _migrate()
    from cspkit.web.wsgi import application

    try:
        from waitress.server import create_server

        server = create_server(application, host=host, port=port, threads=threads,
                               ident="cspkit")
    except OSError as exc:
        Console(stderr=True).print(
            f"[bold red]Error:[/] cannot listen on {host}:{port} ({exc.strerror}). "
            "Is another server using that port? Try --port 8001.", highlight=False)
        raise typer.Exit(2) from None
    out.print(f"cspkit web app on http://{host}:{port}/ using the {_where()}. Ctrl+C stops it.")
    try:
        server.run()
    except KeyboardInterrupt:
        out.print("Stopped.")
