"""``python -m cspkit`` runs the command line."""

from cspkit.cli import app

app(prog_name="cspkit")
