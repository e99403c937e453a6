"""Run every documentation example and store its real output in $DOCGEN_ROOT/out/NAME.txt.

Run by generate.sh with the Python that has cspkit installed; its `cspkit` and `python`
are the ones the examples use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(os.environ["DOCGEN_ROOT"])
OUT = ROOT / "out"
EX = ROOT / "ex"
SITE = ROOT / "site" / "main"  # beside site/shared, so `../shared/data` is the shared data
CONFIG = ROOT / "config" / "cspkit"  # the user config folder (XDG_CONFIG_HOME is scratch)
WH = ROOT / "warehouse" / "warehouse.duckdb"

BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("CSPKIT_")}
BASE_ENV["PATH"] = str(Path(sys.executable).parent) + os.pathsep + BASE_ENV["PATH"]


def run(name: str, lines: list[str], cwd: Path = SITE, env=None, cols: int = 100) -> None:
    """Run each line with bash, as shown; record the lines and their output."""
    e = dict(BASE_ENV)
    e.update(env or {})
    e["COLUMNS"] = str(cols)
    shown = []
    for line in lines:
        shown.append(f"$ {line}")
        if line.startswith("export "):
            key, value = line[len("export ") :].split("=", 1)
            e[key] = value
            continue
        result = subprocess.run(
            ["bash", "-c", line],
            cwd=cwd,
            env=e,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        text = result.stdout
        body = [s.rstrip() for s in text.rstrip("\n").split("\n")] if text.strip() else []
        while body and not body[0]:
            body.pop(0)  # the transient progress bar leaves a blank line when not on a terminal
        shown += body
    (OUT / f"{name}.txt").write_text("\n".join(shown) + "\n", encoding="utf-8")


def cli_examples() -> None:
    """README and cli.md, vintages.md: one warehouse of the shared data."""
    w = {"CSPKIT_WAREHOUSE": str(WH)}
    series = "cspkit series --area Barnet --offence residential_burglary"
    run("cli_ingest_borough", ["cspkit ingest ../shared/data/mps/borough"], env=w, cols=120)
    run(
        "cli_ingest_all",
        ["cspkit ingest ../shared/data/mps/borough ../shared/data/population"],
        env=w,
        cols=150,
    )
    run(
        "cli_ingest_shared",
        [f'cspkit ingest ../shared/data --warehouse {EX}/other.duckdb; echo "exit status $?"'],
        env=w,
    )
    run("cli_series_latest", [f"{series} --from 2023-10 --to 2023-12"], env=w)
    run("cli_series_vintage", [f"{series} --from 2023-10 --to 2023-12 --vintage 2024-01"], env=w)
    run(
        "cli_series_vintage_later",
        [f"{series} --from 2023-10 --to 2023-12 --vintage 2024-06"],
        env=w,
    )
    run(
        "cli_series_csv",
        [
            "cspkit series --area barnet --offence residential_burglary --from 2023-10 "
            "--to 2023-12 --vintage 2024-01 --format csv"
        ],
        env=w,
    )
    run(
        "cli_series_json",
        [
            "cspkit series --area E09000003 --offence residential_burglary --from 2023-10 "
            "--to 2023-12 --format json"
        ],
        env=w,
    )
    run(
        "cli_series_group",
        [
            'cspkit series --area "hammersmith & fulham" --offence mopac7 '
            "--from 2024-01 --to 2024-03"
        ],
        env=w,
    )
    run(
        "cli_series_incomplete",
        [
            "cspkit series --area Barnet --offence burglary --from 2024-12 --to 2025-03; "
            'echo "exit status $?"'
        ],
        env=w,
    )
    run(
        "cli_series_incomplete_csv",
        [
            "cspkit series --area Barnet --offence nfib_fraud --from 2023-01 --to 2023-04 "
            "--format csv"
        ],
        env=w,
    )
    run("cli_series_stitched", [f"{series} --from 2023-01 --to 2023-06"], env=w)
    run(
        "cli_series_2022",
        [
            f"{series} --from 2022-10 --to 2022-12 --vintage {v} --format csv"
            for v in ("2023-02", "2024-01", "2025-02")
        ],
        env=w,
    )
    run(
        "cli_series_before_any",
        [
            "cspkit series --area Barnet --offence burglary --from 2021-11 --to 2021-12 "
            "--vintage 2021-12"
        ],
        env=w,
    )
    run("cli_areas", ["cspkit areas"], env=w)
    run("cli_areas_all", ["cspkit areas --all"], env=w)
    run("cli_offences_head", ["cspkit offences | head -n 16"], env=w, cols=180)
    run("cli_offences_groups", ["cspkit offences | tail -n 22"], env=w, cols=150)
    run("cli_population", ["cspkit population --area Barnet"], env=w)
    run("cli_population_none", ["cspkit population --area Heathrow"], env=w)
    run("cli_vintages", ["cspkit vintages"], env=w, cols=170)
    run("cli_unmapped", ["cspkit unmapped"], env=w)
    run("cli_remap", ["cspkit remap"], env=w)
    run(
        "cli_err_area",
        [
            "cspkit series --area Barnett --offence burglary --from 2023-10 --to 2023-12; "
            'echo "exit status $?"'
        ],
        env=w,
    )
    run(
        "cli_err_offence",
        ["cspkit series --area Barnet --offence burglery --from 2023-10 --to 2023-12"],
        env=w,
    )
    run(
        "cli_err_month",
        ["cspkit series --area Barnet --offence burglary --from 2023-13 --to 2023-12"],
        env=w,
    )
    run(
        "cli_err_reversed",
        ["cspkit series --area Barnet --offence burglary --from 2023-12 --to 2023-10"],
        env=w,
    )
    run("cli_err_empty", [f"cspkit vintages --warehouse {EX}/new.duckdb"], env=w)
    run(
        "cli_err_missing",
        ['cspkit series --area Barnet --offence burglary --from 2023-10; echo "exit status $?"'],
        env=w,
    )
    (EX / "api_example.py").write_text(
        """import cspkit

s = cspkit.series("Barnet", "residential_burglary", "2023-10", "2023-12", vintage="2024-01")
print(s.total, [v.count for v in s.values], s.complete)
s = cspkit.series("Barnet", "residential_burglary", "2023-10", "2023-12")
print(s.total, [(v.month.isoformat(), v.count, v.vintage.isoformat()) for v in s.values])
s = cspkit.series("Barnet", "burglary", "2024-12", "2025-03")
print(s.total, s.complete, [(v.month.isoformat(), v.reason) for v in s.missing])
p = cspkit.population("Barnet")
print(p.series["borough_population"][2021], p.census_age["Total"])
print(p.census_ethnicity["White: Irish"])
changed, still_unmapped, user_files = cspkit.remap()
print(changed, still_unmapped, user_files)
""",
        encoding="utf-8",
    )
    run("cli_api", ["cat api_example.py", "python api_example.py"], cwd=EX, env=w)


def ingest_examples() -> None:
    """ingest.md: a scratch warehouse and small made-up files."""
    s = {"CSPKIT_WAREHOUSE": str(EX / "scratch.duckdb")}
    run("ing_cat_good", ["cat -v good.csv"], cwd=EX, env=s)
    run("ing_good", ["cspkit ingest good.csv"], cwd=EX, env=s, cols=110)
    run(
        "ing_good_series",
        [
            f"cspkit series --area {area} --offence residential_burglary "
            "--from 2025-01 --to 2025-03 --format csv"
            for area in ("Barnet", "Heathrow", "MPS-UNKNOWN")
        ],
        cwd=EX,
        env=s,
    )
    run("ing_again", ["cspkit ingest good.csv copy-of-good.csv"], cwd=EX, env=s, cols=110)
    run(
        "ing_batch",
        ["cspkit ingest good.csv copy-of-good.csv --warehouse fresh.duckdb"],
        cwd=EX,
        env=s,
        cols=110,
    )
    run(
        "ing_renamed",
        [
            "cspkit ingest renamed --warehouse renamed.duckdb",
            "cspkit vintages --warehouse renamed.duckdb",
        ],
        cwd=EX,
        env=s,
        cols=150,
    )
    for bad in (
        "bad-count",
        "short-row",
        "duplicate-row",
        "bad-month",
        "gap-month",
        "unknown-area",
        "header-only",
        "bad-population",
    ):
        run(f"ing_{bad}", [f"cat {bad}.csv", f"cspkit ingest {bad}.csv"], cwd=EX, env=s)
    run("ing_latin1", ["cat -v latin1.csv", "cspkit ingest latin1.csv"], cwd=EX, env=s)
    run("ing_utf16", ["file utf16.csv", "cspkit ingest utf16.csv"], cwd=EX, env=s)
    run("ing_empty", ["cspkit ingest empty.csv"], cwd=EX, env=s)
    run(
        "ing_all_or_nothing",
        [
            "sha256sum scratch.duckdb",
            'cspkit ingest new-category.csv bad-count.csv; echo "exit status $?"',
            "sha256sum scratch.duckdb",
        ],
        cwd=EX,
        env=s,
    )


def dashboard_examples() -> None:
    """ingest.md: the MPS Monthly Crime Dashboard layout (generated test file)."""
    s = {"CSPKIT_WAREHOUSE": str(EX / "scratch.duckdb")}
    run(
        "ing_dash_errors", ["cspkit ingest month-first.csv", "cspkit ingest dup.csv"], cwd=EX, env=s
    )
    (EX / "dashboard.py").write_text(
        """from datetime import date

from cspkit.warehouse import Warehouse, query

with Warehouse("dash.duckdb").reading() as con:
    for v in query.dashboard_monthly_counts(
        con, "E09000003", "Knife Crime with Injury", "Offences", date(2023, 12, 1), date(2024, 2, 1)
    ):
        print(f"{v.month:%Y-%m}", v.count, v.vintage and f"{v.vintage:%Y-%m}", v.reason)
    for row in query.dashboard_subgroups(con):
        print(row)
""",
        encoding="utf-8",
    )
    run(
        "ing_dash_python",
        [
            "cspkit ingest mps-monthly-crime-dashboard-sample.csv --warehouse dash.duckdb "
            "> /dev/null",
            "cat dashboard.py",
            "python dashboard.py",
        ],
        cwd=EX,
    )


def taxonomy_examples() -> None:
    """taxonomy.md: a new category, mapped the recommended way, then the pitfalls."""
    t = {"CSPKIT_WAREHOUSE": str(EX / "tax.duckdb")}
    burglary = (
        "cspkit series --area Barnet --offence burglary --from 2025-01 --to 2025-03 --format csv"
    )
    run("tax_cat_new", ["cat new-category.csv"], cwd=EX, env=t)
    run("tax_ingest", ["cspkit ingest new-category.csv"], cwd=EX, env=t, cols=110)
    run("tax_unmapped", ["cspkit unmapped"], cwd=EX, env=t, cols=110)
    run("tax_before", [burglary], cwd=EX, env=t)
    run(
        "tax_remap",
        [
            "cat my-mappings.csv",
            f"mkdir -p {CONFIG}",
            f"cp my-mappings.csv {CONFIG}/mappings.csv",
            "cspkit remap",
            burglary,
        ],
        cwd=EX,
        env=t,
        cols=110,
    )
    run("tax_again", ["cspkit remap"], cwd=EX, env=t, cols=110)
    run(
        "tax_env",
        [
            f"export CSPKIT_TAXONOMY={EX}/my-mappings.csv",
            "cspkit remap",
            "cspkit offences | tail -n 1",
        ],
        cwd=EX,
        env=t,
        cols=110,
    )
    run(
        "tax_revert",
        [f"rm {CONFIG}/mappings.csv", "cspkit remap --taxonomy my-mappings.csv", "cspkit remap"],
        cwd=EX,
        env=t,
        cols=110,
    )
    run(
        "tax_dated",
        [
            "cat dated-mappings.csv",
            "cspkit remap --taxonomy dated-mappings.csv",
            burglary.replace("burglary", "non_residential_burglary"),
            burglary.replace("burglary", "residential_burglary"),
        ],
        cwd=EX,
        env=t,
        cols=110,
    )
    run("tax_err_typo", ["cspkit remap --taxonomy typo-mappings.csv"], cwd=EX, env=t)
    run(
        "tax_err_overlap",
        ["cat overlap-mappings.csv", "cspkit remap --taxonomy overlap-mappings.csv"],
        cwd=EX,
        env=t,
    )
    run("tax_err_nocols", ["cspkit remap --taxonomy nocols-mappings.csv"], cwd=EX, env=t)


def vintage_examples() -> None:
    """vintages.md: the two files of a release; two files with the same vintage."""
    run(
        "vin_release",
        [
            "cspkit series --area Barnet --offence residential_burglary --from 2021-12 "
            "--to 2022-03 --vintage 2024-01"
        ],
        env={"CSPKIT_WAREHOUSE": str(WH)},
    )
    v = {"CSPKIT_WAREHOUSE": str(EX / "tie.duckdb")}
    run(
        "vin_tie",
        [
            "cspkit ingest release.csv > /dev/null",
            "cspkit ingest reissue.csv > /dev/null",
            "cspkit series --area Barnet --offence residential_burglary "
            "--from 2025-01 --to 2025-03",
        ],
        cwd=EX,
        env=v,
    )


def warehouse_examples() -> None:
    """warehouse.md: the folder, the tables, and a warehouse of an older schema version."""
    run("wh_ls", [f"ls -la {WH.parent}"])
    (EX / "tables.py").write_text(
        f'''import duckdb

con = duckdb.connect("{WH}", read_only=True)
for (table,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
    print(f"{{table:<13}}{{con.execute(f'SELECT count(*) FROM {{table}}').fetchone()[0]:>9,}} rows")
rows = con.execute("""
    SELECT month, major_text, minor_text, offence_id, count, vintage, line
    FROM crime_monthly WHERE area_code = 'E09000003' AND month = DATE '2023-10-01'
      AND offence_id = 'residential_burglary' ORDER BY vintage, minor_text""").fetchall()
for row in rows:
    print(row)
''',
        encoding="utf-8",
    )
    run("wh_tables", ["cat tables.py", "python tables.py"], cwd=EX)
    # A warehouse whose meta table says schema version 1, as older builds wrote.
    shutil.copyfile(EX / "fresh.duckdb", EX / "old.duckdb")
    con = duckdb.connect(str(EX / "old.duckdb"))
    con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    run(
        "wh_old",
        [
            "cspkit vintages --warehouse old.duckdb",
            'cspkit ingest good.csv --warehouse old.duckdb; echo "exit status $?"',
        ],
        cwd=EX,
    )


def main() -> int:
    cli_examples()
    ingest_examples()
    dashboard_examples()
    taxonomy_examples()
    vintage_examples()
    warehouse_examples()
    broken = [p.name for p in sorted(OUT.glob("*.txt")) if "Traceback" in p.read_text()]
    if broken:
        print("examples ended in a traceback:", ", ".join(broken), file=sys.stderr)
        return 1
    print(f"recorded {len(list(OUT.glob('*.txt')))} examples in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
