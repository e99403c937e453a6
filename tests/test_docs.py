"""Docs can't fall behind: every CLI command and option is documented; README opens right."""

from __future__ import annotations

import subprocess
import sys

import typer.main
from conftest import REPO

from cspkit.cli import app

COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in COMMANDS.items():
        assert f"## cspkit {name}" in text, f"docs/cli.md has no section for `cspkit {name}`"
        section = text.split(f"## cspkit {name}", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            if param.param_type_name == "option":
                assert param.opts[0] in section, (
                    f"`cspkit {name}` option {param.opts[0]} undocumented"
                )


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
