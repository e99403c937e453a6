"""Docs can't fall behind: every CLI command and option is documented; README opens right."""

from __future__ import annotations

import re
import subprocess
import sys

import typer.main
from conftest import REPO

from cspkit.cli import app

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def _commands(commands: dict, prefix: str = "cspkit") -> list[tuple[str, object]]:
    """Every command by its full name, the subcommands of groups too (`cspkit web demo`)."""
    found = []
    for name, command in sorted(commands.items()):
        full = f"{prefix} {name}"
        found.append((full, command))
        if getattr(command, "commands", None):  # a group: `cspkit web`
            found += _commands(command.commands, full)
    return found


def _section(text: str, heading: str) -> str | None:
    """The text under the line `## heading`, up to the next `## ` heading (None: no section)."""
    match = re.search(rf"^## {re.escape(heading)}[ \t]*$", text, flags=re.M)
    if match is None:
        return None
    return text[match.end() :].split("\n## ", 1)[0]


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in _commands(COMMANDS):
        section = _section(text, name)
        assert section is not None, f"docs/cli.md has no section `## {name}`"
        for param in command.params:
            if param.param_type_name == "option" and param.opts[0] != "--help":
                assert param.opts[0] in section, f"`{name}` option {param.opts[0]} undocumented"


def test_subcommands_are_checked_too() -> None:
    names = [name for name, _ in _commands(COMMANDS)]
    assert "cspkit web demo" in names and "cspkit web manage" in names


def test_readme_opens_with_the_two_commands() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    head = "\n".join(lines[:12])
    assert "make demo" in head and "make test" in head


def test_changelog_has_an_entry_for_this_version() -> None:
    import cspkit

    assert f"## {cspkit.__version__}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def test_code_is_ruff_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "cspkit", "tests", "benchmarks"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
