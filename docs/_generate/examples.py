"""Run every documentation example and store its real output in $DOCGEN_ROOT/out/NAME.txt.

Run by generate.sh with the Python that has cspkit installed; its `cspkit` and `python`
are the ones the examples use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
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
POLICE_WH = EX / "all.duckdb"  # the whole shared data folder, data.police.uk included
BOROUGHS = "../shared/data/boundaries/london_boroughs.geojson"
STOP_SEARCH = (
    "cspkit stop-search --area Westminster --force metropolitan --from 2018-04 --to 2019-02 "
    f"--boundaries {BOROUGHS}"
)

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
        [f"cspkit ingest ../shared/data --warehouse {POLICE_WH} | tail -n 1"],
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
    (EX / "unknown.csv").write_text("Date,Place,Total\n2025-01,Barnet,12\n", encoding="utf-8")
    run(
        "ing_unknown_layout",
        ["cat unknown.csv", 'cspkit ingest unknown.csv; echo "exit status $?"'],
        cwd=EX,
        env=s,
    )
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


def dashboard_data_examples() -> None:
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


# ---------------------------------------------------------------- Performance Dashboard

DASH_WH = EX / "dashboard.duckdb"  # shared data and the generated MPS dashboard test file
FIXTURE = "tests/fixtures/mps-monthly-crime-dashboard-sample.csv"
REFERENCE = SITE.parent / "shared" / "reference" / "001_929e170fd4e1a35d.txt"
SLIDE_LINES = (355, 620)  # the board's Performance Dashboard slides in the reference file
DASH = "cspkit dashboard --from 2023-10 --to 2023-12 --vintage 2024-01"


def _dashboard_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _json_block(name: str, value) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    (OUT / f"{name}.txt").write_text(text + "\n", encoding="utf-8")


def _excerpt(indicator: dict) -> dict:
    """One indicator of the JSON, its long lists cut (the page says how)."""
    out = dict(indicator)
    out["london_table"] = indicator["london_table"][:2]
    out["monthly"] = indicator["monthly"][-3:]
    return out


def dashboard_cli_examples() -> None:
    """cli.md, `cspkit dashboard`: the shared warehouse (no MPS dashboard data loaded)."""
    w = {"CSPKIT_WAREHOUSE": str(WH)}
    run("cli_dashboard", [f"{DASH} --out barnet.pdf"], env=w, cols=150)
    run(
        "cli_dashboard_err",
        [
            f'{DASH} --out reports/barnet.pdf; echo "exit status $?"',
            f"{DASH} --out barnet.doc --format doc",
        ],
        env=w,
    )


def dashboard_examples() -> None:
    """dashboard.md (and cli.md): shared data plus the generated MPS dashboard test file."""
    fixtures = SITE / "tests" / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(os.environ["DOCGEN_REPO"]) / FIXTURE, SITE / FIXTURE)
    d = {"CSPKIT_WAREHOUSE": str(DASH_WH)}
    run(
        "dash_builtin_profile",
        ["cat cspkit/taxonomy/profile.yaml"],
        cwd=Path(os.environ["DOCGEN_REPO"]),
    )
    run(
        "dash_ingest",
        [
            f"export CSPKIT_WAREHOUSE={DASH_WH}",
            "cspkit ingest ../shared/data/mps/borough ../shared/data/population > /dev/null",
            f"cspkit ingest {FIXTURE}",
        ],
        env=d,
        cols=130,
    )
    run("dash_summary", [f"{DASH} --out barnet.pdf"], env=d, cols=120)
    run(
        "dash_formats",
        [
            f"{DASH} --format {fmt} --out barnet.{fmt} | tail -n 1"
            for fmt in ("html", "xlsx", "json")
        ],
        env=d,
    )
    report = _dashboard_json(SITE / "barnet.json")
    by_id = {i["id"]: i for i in report["indicators"]}
    _json_block("dash_json_indicator", _excerpt(by_id["residential_burglary"]))
    _json_block("dash_json_significance", by_id["non_residential_burglary"]["significance"])
    top = {k: v for k, v in report.items() if k != "indicators"}
    _json_block("dash_json_report", top)
    # Without the MPS dashboard data: the shared warehouse of cli.md.
    run(
        "dash_no_data_json",
        [f"{DASH} --format json --out shared-only.json --warehouse {WH} > /dev/null"],
        env=d,
    )
    bare = {i["id"]: i for i in _dashboard_json(SITE / "shared-only.json")["indicators"]}
    _json_block("dash_json_no_data", bare["knife_crime_with_injury"])
    run(
        "dash_incomplete",
        [
            "cspkit dashboard --from 2023-12 --to 2024-02 --vintage 2024-01 --format json "
            "--out later.json"
        ],
        env=d,
        cols=120,
    )
    (SITE / "workbook.py").write_text(
        """from openpyxl import load_workbook

wb = load_workbook("barnet.xlsx")
print(wb.sheetnames)
summary = wb["Summary"]
for title, cell in zip(summary[1], summary[2]):
    shown = "" if cell.number_format == "General" else f"  [{cell.number_format}]"
    print(f"{title.value}: {cell.value!r}{shown}")
""",
        encoding="utf-8",
    )
    run("dash_workbook", ["cat workbook.py", "python workbook.py"], env=d)
    (SITE / "brent.yaml").write_text(
        """# Safer Brent: our own profile (a copy of cspkit/taxonomy/profile.yaml, edited)
partnership: Safer Brent Partnership
home_area: Brent
comparator_group:
  name: North West BCU
  areas: [Barnet, Brent, Harrow]
population_series: borough_population
indicators:
  - residential_burglary
  - personal_robbery
  - knife_crime_with_injury
""",
        encoding="utf-8",
    )
    run(
        "dash_profile",
        [
            "cat brent.yaml",
            "cspkit dashboard --from 2023-10 --to 2023-12 --vintage 2024-01 --profile brent.yaml "
            "--format json --out brent.json",
        ],
        env=d,
        cols=110,
    )
    (SITE / "typo.yaml").write_text(
        "home_area: Brent\nindicators: [residential_burglary, knife_crime]\n", encoding="utf-8"
    )
    run(
        "dash_profile_err",
        [
            "export CSPKIT_PROFILE=typo.yaml",
            'cspkit dashboard --from 2023-10 --to 2023-12 --out brent.pdf; echo "exit status $?"',
        ],
        env=d,
    )
    run(
        "dash_comparators",
        [
            "cspkit dashboard --from 2023-10 --to 2023-12 --vintage 2024-01 --area Harrow "
            "--comparators Barnet,Brent,Ealing,Harrow,Hillingdon --format json --out harrow.json"
        ],
        env=d,
        cols=120,
    )
    harrow = _dashboard_json(SITE / "harrow.json")
    first = harrow["indicators"][0]
    keys = ("id", "comparator_rank", "comparator_rank_of", "comparator_rank_last_year")
    _json_block(
        "dash_comparators_json",
        {
            "comparator_name": harrow["comparator_name"],
            "indicators": [
                {
                    **{k: first[k] for k in keys},
                    "comparator_rag": first["comparator_rag"],
                    "comparator_table": first["comparator_table"],
                }
            ],
        },
    )
    run(
        "dash_series_2022",
        [
            "cspkit series --area Barnet --offence residential_burglary --from 2022-01 "
            "--to 2022-12 --vintage 2024-01"
        ],
        env=d,
        cols=130,
    )
    (EX / "dashboard_api.py").write_text(
        """from cspkit.api import dashboard, dashboards
from cspkit.render import render_dashboard

report = dashboard("2023-10", "2023-12", area="Barnet", vintage="2024-01")
ind = report.indicators[0]
print(ind.name, ind.count, ind.comparison_count, ind.change_words, ind.status)
print(ind.london_rank, ind.london_rank_of, ind.london_rag.value, ind.significance.p_value)
print(render_dashboard(report, "xlsx", "barnet-api.xlsx"))
for r in dashboards(["Barnet", "Brent", "Harrow"], "2023-10", "2023-12", vintage="2024-01"):
    print(r.area.name, [(i.id, i.london_rank) for i in r.indicators[:2]])
""",
        encoding="utf-8",
    )
    run("dash_api", ["cat dashboard_api.py", "python dashboard_api.py"], cwd=EX, env=d)
    slides_comparison(report)


def slides_comparison(report: dict) -> None:
    """dashboard.md: cspkit at vintage 2024-01 against the figures printed on the slides."""
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    slides = " ".join(lines[SLIDE_LINES[0] - 1 : SLIDE_LINES[1]])
    quarter = {
        name: (int(count), int(before))
        for count, name, before in re.findall(
            r"There were (\d+) cases of ([^.]+?) in the 3 months of [^.]*?\. In the same "
            r"period 12 months prior there were (\d+)\.",
            slides,
        )
    }
    year = {
        name: (int(count), int(before))
        for count, name, before in re.findall(
            r"There were (\d+) cases of ([^.]+?) in Barnet in the 12 months up to December "
            r"2023\. In the 12 months prior there were (\d+)\.",
            slides,
        )
    }
    rows = []
    for ind in report["indicators"]:
        if ind["id"] not in (
            "residential_burglary",
            "non_residential_burglary",
            "personal_robbery",
            "violence_with_injury",
        ):
            continue
        r12 = ind["rolling_12m"]
        ours = [ind["count"], ind["comparison_count"], r12["count"], r12["comparison_count"]]
        theirs = [*quarter[ind["name"]], *year[ind["name"]]]
        for label, a, b in zip(
            ("Oct-Dec 2023", "Oct-Dec 2022", "12 months to Dec 2023", "12 months before"),
            ours,
            theirs,
            strict=True,
        ):
            rows.append((ind["name"], label, a, b, a - b, (a - b) / b * 100))
    head = ("indicator", "period", "cspkit 2024-01", "slides", "difference", "%")
    width = [max(len(head[0]), *(len(r[0]) for r in rows)), 21, 14, 6, 10, 5]

    def line(cells) -> str:
        padded = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, width, strict=True))
        ]
        return "  ".join(padded).rstrip()

    out = [line(head)]
    for name, label, a, b, diff, pct in rows:
        out.append(line((name, label, f"{a:,}", f"{b:,}", f"{diff:+d}", f"{pct:+.1f}")))
    worst = max(rows, key=lambda r: abs(r[5]))
    out.append(f"largest difference: {worst[4]:+d} ({worst[5]:+.2f}%), {worst[0]}, {worst[1]}")
    (OUT / "dash_slides.txt").write_text("\n".join(out) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- evidence packs

PACK_WH = EX / "packs.duckdb"  # borough and ward files, population, Census, the lookup
SNA = "cspkit sna --area Barnet --from 2022-01 --to 2023-10 --vintage 2024-01"
ASSESS = "cspkit assess --area Barnet --year 2022/23 --vintage 2024-01"
WARDS_2018 = "../shared/data/boundaries/london-wards-2018/London_Ward.shp"
SNA_SLIDES = SITE.parent / "shared" / "reference" / "000_c3b0abbeb184d763.txt"


def pack_examples() -> None:
    """needs-assessment.md, strategic-assessment.md and cli.md: one warehouse of the packs."""
    p = {"CSPKIT_WAREHOUSE": str(PACK_WH)}
    run(
        "pack_ingest",
        [
            f"export CSPKIT_WAREHOUSE={PACK_WH}",
            "cspkit ingest ../shared/data/mps/borough ../shared/data/mps/ward "
            "../shared/data/population ../shared/data/lookups | tail -n 1",
        ],
        env=p,
    )
    run(
        "ing_wards",
        [
            "cspkit ingest ../shared/data/mps/ward ../shared/data/lookups "
            f"--warehouse {EX}/wards.duckdb"
        ],
        cols=150,
    )
    # -- needs assessment
    run("sna_summary", [f"{SNA} --out barnet-sna.pdf"], env=p)
    run(
        "sna_formats",
        [f"{SNA} --format {fmt} --out barnet-sna.{fmt} | tail -n 1" for fmt in ("html", "xlsx")]
        + [f"{SNA} --format json --out barnet-sna.json > /dev/null"],
        env=p,
    )
    sna = _dashboard_json(SITE / "barnet-sna.json")
    _json_block(
        "sna_json_top",
        {k: sna[k] for k in ("area", "period", "vintage")}
        | {
            "population_series": sna["population_series"],
            "keys": list(sna),
        },
    )
    league = sna["league_table"]
    _json_block(
        "sna_json_league",
        league[:2] + [r for r in league if r["is_home"]],
    )
    by_id = {r["id"]: r for r in sna["year_end_comparison"]}
    _json_block("sna_json_year_end", [by_id["robbery"], by_id["total"]])
    heads = {h["id"]: h for h in sna["headline"]}
    _json_block("sna_json_headline", [heads["robbery"], heads["knife_crime_with_injury"]])
    trends = {t["id"]: t for t in sna["trends"]}
    robbery = dict(trends["robbery"])
    robbery["monthly"] = robbery["monthly"][-3:]
    del robbery["method_note"]
    _json_block("sna_json_trend", robbery)
    _json_block("sna_trend_methods", {t["id"]: t["method"] for t in sna["trends"]})
    _json_block("sna_trend_sentences", [s for t in sna["trends"] for s in t["sentences"]])
    wards = dict(sna["wards"])
    wards["rows"] = wards["rows"][:2]
    wards["top"] = f"(the first {len(sna['wards']['top'])} rows of the ranking)"
    _json_block("sna_json_wards", wards)
    _json_block("sna_json_serious_violence", sna["serious_violence"])
    _json_block("sna_json_sources", {"sources": sna["sources"], "notes": sna["notes"]})
    # the 2018 wards, their map, and why the borough tables are empty at 2022-08
    run(
        "sna_2018",
        [
            "cspkit sna --area Barnet --from 2021-09 --to 2022-08 --vintage 2022-08 "
            f"--boundaries {WARDS_2018} --out barnet-wards-2018.pdf",
            "cspkit sna --area Barnet --from 2021-09 --to 2022-08 --vintage 2022-08 "
            f"--boundaries {WARDS_2018} --format json --out barnet-wards-2018.json > /dev/null",
        ],
        env=p,
    )
    old = _dashboard_json(SITE / "barnet-wards-2018.json")["wards"]
    _json_block(
        "sna_2018_wards",
        {
            "period": old["period"],
            "code_sets": old["code_sets"],
            "unmatched": old["unmatched"],
            "rows": old["rows"][:1],
            "bands": {
                band: sum(1 for r in old["rows"] if r["band"] == band)
                for band in dict.fromkeys(r["band"] for r in old["rows"])
            },
        },
    )
    (SITE / "crime_vintages.py").write_text(
        """import cspkit

for f in cspkit.vintages():
    if f["vintage"] is not None:
        months = f"{f['first_month']:%Y-%m}..{f['last_month']:%Y-%m}"
        folder = f["path"].split("/data/")[1].rsplit("/", 1)[0]
        print(f"{f['vintage']:%Y-%m}  {f['source']:<11} {f['release']:<21} {months}  {folder}")
""",
        encoding="utf-8",
    )
    run("sna_2018_vintages", ["python crime_vintages.py"], env=p)
    run(
        "sna_2022_on_2018",
        [
            f"{SNA} --boundaries {WARDS_2018} --format json --out 2022-wards.json > /dev/null",
            "python -c \"import json; w = json.load(open('2022-wards.json'))['wards']; "
            "print(w['code_sets'], len(w['unmatched'])); print(w['notes'][-1])\"",
        ],
        env=p,
    )
    run(
        "sna_boundaries_err",
        [
            "cspkit sna --area Barnet --from 2021-09 --to 2022-08 --vintage 2022-08 "
            "--boundaries ../shared/data/boundaries/london-wards-2018 --out barnet.pdf; "
            'echo "exit status $?"'
        ],
        env=p,
    )
    run(
        "sna_no_wards",
        [
            f"{SNA} --format json --out no-wards.json --warehouse {WH} > /dev/null",
            "python -c \"import json; print(json.load(open('no-wards.json'))['wards'])\"",
        ],
        env=p,
    )
    (SITE / "sape.py").write_text(
        f"""import duckdb

from cspkit.warehouse.wards import _name_key

con = duckdb.connect("{PACK_WH}", read_only=True)
sape = con.execute(
    "SELECT area_code, area_name, population FROM population "
    "WHERE series = 'ons_ward_mid_2020_persons' ORDER BY area_code"
).fetchall()
named = dict(con.execute("SELECT DISTINCT ward_code, ward_name FROM ward_rows").fetchall())
london = [(code, name, n) for code, name, n in sape if code in named]
agree = [_name_key(name) == _name_key(named[code]) for code, name, _ in london]
first = agree.index(False)
print(f"London ward codes in both: {{len(london)}}; names agree: {{sum(agree)}}")
print(f"the first {{first}} agree; then code {{london[first][0]}} is called "
      f"{{london[first][1]!r}} ({{london[first][2]:,}}) in SAPE, {{named[london[first][0]]!r}} "
      "in the MPS ward files")
""",
        encoding="utf-8",
    )
    run("sna_sape", ["python sape.py"], env=p)
    (SITE / "pages.py").write_text(
        """import sys

from pypdf import PdfReader

pages = PdfReader(sys.argv[1]).pages
print(len(pages), "pages")
appendix = False
for number, page in enumerate(pages, 1):
    first = page.extract_text().splitlines()[0]  # the page's heading
    if appendix and first != "Data sources":
        first = "(chart data, continued)"
    appendix = appendix or first == "Chart data"
    print(number, first)
""",
        encoding="utf-8",
    )
    run("sna_pdf_pages", ["python pages.py barnet-sna.pdf"], env=p)
    run(
        "sna_sheets",
        [
            'python -c "from openpyxl import load_workbook; '
            "print(load_workbook('barnet-sna.xlsx').sheetnames)\""
        ],
        env=p,
    )
    sna_reference(sna)
    # -- strategic assessment
    run("sa_summary", [f"{ASSESS} --out barnet-sa.pdf"], env=p)
    run(
        "sa_formats",
        [f"{ASSESS} --format {fmt} --out barnet-sa.{fmt} | tail -n 1" for fmt in ("html", "xlsx")]
        + [f"{ASSESS} --format json --out barnet-sa.json > /dev/null"],
        env=p,
    )
    sa = _dashboard_json(SITE / "barnet-sa.json")
    _json_block(
        "sa_json_top",
        {k: sa[k] for k in ("area", "financial_year", "vintage")}
        | {
            "population_series": sa["population_series"],
            "keys": list(sa),
        },
    )
    _json_block("sa_json_rates", sa["rates"])
    _json_block("sa_json_long_term", [sa["long_term_trend"][0], sa["long_term_trend"][-1]])
    _json_block("sa_json_change_ranks", [sa["change_ranks"][0], sa["change_ranks"][-1]])
    run("sa_latest", ["cspkit assess --area Barnet --year 2023/24 --out barnet-2023-24.pdf"], env=p)
    run(
        "sa_pdf_pages",
        [
            "python pages.py barnet-sa.pdf",
            'python -c "from openpyxl import load_workbook; '
            "print(load_workbook('barnet-sa.xlsx').sheetnames)\"",
        ],
        env=p,
    )
    run(
        "sa_err",
        [
            'cspkit assess --year 2022/2023 --out sa.pdf; echo "exit status $?"',
            "cspkit assess --year 2008/09 --format json --out old.json",
            "python -c \"import json; print(json.load(open('old.json'))['long_term_trend'][0])\"",
        ],
        env=p,
    )
    # -- cli.md
    run(
        "cli_sna_err",
        [
            'cspkit sna --from 2023-10 --to 2023-01 --out sna.pdf; echo "exit status $?"',
            "cspkit sna --from 2022-01 --to 2023-10 --out reports/sna.pdf",
        ],
        env=p,
    )
    (EX / "packs_api.py").write_text(
        """import cspkit
from cspkit.api import ward_pack
from cspkit.products.needs_assessment import needs_contract
from cspkit.products.pack_documents import assessment_document, needs_document
from cspkit.render.document import render_document

sna = cspkit.sna("2022-01", "2023-10", area="Barnet", vintage="2024-01")
home = next(r for r in sna.league_table if r.is_home)
print(home.count, home.rank_by_count, home.rank_by_rate, round(home.rate_per_1000, 1))
print([(y.id, y.previous, y.current, y.change_pct) for y in sna.year_end_comparison[:2]])
print(sna.wards["period"], len(sna.wards["rows"]), sna.wards["rows"][0]["ward"])
print(render_document(needs_document(sna), "pdf", "sna-api.pdf", contract=needs_contract(sna)))

sa = cspkit.assess("2022/23", area="Barnet", vintage="2024-01")
print([(r["id"], r["london_rank_words"]) for r in sa.rates])
print(render_document(assessment_document(sa), "json", "sa-api.json", contract=vars(sa)))

for pack in ward_pack(["Barnet", "Brent", "Harrow"], "2023-10", vintage="2024-01"):
    print(pack["period"]["end"], len(pack["rows"]), pack["top"][0]["ward"])
""",
        encoding="utf-8",
    )
    run("packs_api", ["cat packs_api.py", "python packs_api.py"], cwd=EX, env=p)


def sna_reference(sna: dict) -> None:
    """needs-assessment.md: cspkit against the figures on the SNA slides."""
    lines = SNA_SLIDES.read_text(encoding="utf-8").splitlines()
    league = {}
    year_end = {}
    in_year_end = False
    for line in lines:
        if line.startswith("Offence Group\tYear-end"):
            in_year_end = True
            continue
        cells = line.split("\t")
        if in_year_end and len(cells) == 4:
            year_end[cells[0]] = (int(cells[1].replace(",", "")), int(cells[2].replace(",", "")))
            if cells[0] == "Total":
                in_year_end = False
        elif not in_year_end and len(cells) == 2 and re.fullmatch(r"[\d,]+", cells[1]):
            league[cells[0].replace(" & ", " and ")] = int(cells[1].replace(",", ""))
    names = {
        "Theft offences": "Theft",
        "Criminal damage & arson": "Criminal damage and arson",
        "Possession of weapon offences": "Possession of weapons",
    }
    rows = []
    home = next(r for r in sna["league_table"] if r["is_home"])
    slide_rank = 1 + sum(1 for n in league.values() if n > league[home["area"]])
    rows.append(
        (
            "Borough table",
            f"{home['area']}, {sna['period']['label']}",
            home["count"],
            league[home["area"]],
        )
    )
    ours = {r["name"]: r for r in sna["year_end_comparison"]}
    for name, (before, after) in year_end.items():
        row = ours[names.get(name, name)]
        rows.append(
            ("Year-end", f"{row['name']}, year ending October 2022", row["previous"], before)
        )
        rows.append(("Year-end", f"{row['name']}, year ending October 2023", row["current"], after))
    head = ("table", "figure", "cspkit 2024-01", "SNA", "SNA vs cspkit")
    width = [max(len(head[i]), *(len(str(r[i])) for r in rows)) for i in range(2)] + [14, 6, 13]

    def line(cells) -> str:
        padded = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, width, strict=True))
        ]
        return "  ".join(padded).rstrip()

    out = [line(head)]
    for table, figure, a, b in rows:
        out.append(line((table, figure, f"{a:,}", f"{b:,}", f"{(b - a) / a * 100:+.1f}%")))
    spread = [(b - a) / a * 100 for t, _, a, b in rows if t == "Borough table"]
    borough_all = [
        (league[r["area"]] - r["count"]) / r["count"] * 100
        for r in sna["league_table"]
        if r["area"] in league
    ]
    out.append(
        f"borough table, all {len(borough_all)} boroughs: the SNA is "
        f"{min(borough_all):+.1f}% to {max(borough_all):+.1f}% against cspkit; "
        f"Barnet {spread[0]:+.1f}%, ranked {slide_rank} on the slides, "
        f"{home['rank_by_count']} by cspkit"
    )
    (OUT / "sna_reference.txt").write_text("\n".join(out) + "\n", encoding="utf-8")


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


def stop_search_examples() -> None:
    """stop-search.md, cli.md and needs-assessment.md: the whole shared folder loaded."""
    p = {"CSPKIT_WAREHOUSE": str(POLICE_WH)}
    run("ss_summary", [f"{STOP_SEARCH} --out westminster-ss.pdf"], env=p)
    run(
        "ss_formats",
        [
            f"{STOP_SEARCH} --format {fmt} --out westminster-ss.{fmt} | tail -n 1"
            for fmt in ("html", "xlsx")
        ]
        + [f"{STOP_SEARCH} --format json --out westminster-ss.json > /dev/null"],
        env=p,
    )
    ss = _dashboard_json(SITE / "westminster-ss.json")
    _json_block("ss_json_keys", list(ss))
    _json_block(
        "ss_json_top",
        {
            k: ss[k]
            for k in (
                "area",
                "period",
                "force",
                "searches",
                "unplaced",
                "positive_outcome_pct",
                "find_rate_pct",
                "find_rate_note",
                "by_outcome",
                "by_age",
                "age_groups",
                "by_ethnicity",
                "sources_used",
            )
        }
        | {"monthly": ss["monthly"][:3]},
    )
    _json_block("ss_json_disproportionality", ss["disproportionality"][:3])
    _json_block("ss_json_notes", ss["notes"])
    run(
        "ss_api",
        [
            "cspkit stop-search --area Westminster --force metropolitan --from 2024-09 "
            f"--to 2025-04 --boundaries {BOROUGHS} --format json --out api.json | head -n 3",
            "python -c \"import json; d = json.load(open('api.json')); "
            "print(d['sources_used'], d['find_rate_pct'], d['unplaced'])\"",
        ],
        env=p,
    )
    run(
        "ss_err",
        [
            "cspkit stop-search --area Westminster --from 2018-04 --to 2019-02 "
            '--out ss.pdf; echo "exit status $?"'
        ],
        env=p,
    )
    # the needs assessment's two sections
    run(
        "sna_police",
        [
            "cspkit sna --area Westminster --from 2024-01 --to 2024-12 "
            f"--search-boundaries {BOROUGHS} --format json --out westminster-sna.json",
            "python -c \"import json; d = json.load(open('westminster-sna.json')); "
            "print(d['street_crime']['rows']); print(d['street_crime']['note']); "
            "print(*d['stop_search']['sentences'], sep='\\n')\"",
        ],
        env=p,
    )
    run(
        "sna_police_missing",
        [
            f"{SNA} --search-boundaries {BOROUGHS} --format json --out barnet-police.json "
            f"--warehouse {POLICE_WH} > /dev/null",
            "python -c \"import json; d = json.load(open('barnet-police.json')); "
            "print(d['street_crime']); print(d['stop_search'])\"",
        ],
        env=p,
    )


# ---------------------------------------------------------------- the partnership web app

WEB_TABLES = '''"""Markdown tables for web.md and the README, built from the code."""

import sys
from pathlib import Path

from cspkit.web import setup

setup()
from cspkit.web.plan.demo import DEMO_ACCOUNTS  # noqa: E402
from cspkit.web.plan.models import RAG_MEANING, Rag, Role  # noqa: E402
from cspkit.web.plan.permissions import PERMISSIONS  # noqa: E402
from cspkit.web.plan.templatetags.plan_tags import _RAG  # noqa: E402

out = Path(sys.argv[1])
roles = list(Role)


def cell(permission, role):
    if role not in permission.roles:
        return "no"
    if permission.own_organisation_only and role != Role.ADMIN:
        return "only their organisation's"
    return "yes, all" if permission.own_organisation_only else "yes"


lines = ["| what | " + " | ".join(r.label for r in roles) + " |", "|---" * (len(roles) + 1) + "|"]
for p in PERMISSIONS.values():
    cells = " | ".join(cell(p, r) for r in roles)
    lines.append(f"| {p.description} (`{p.name}`) | {cells} |")
(out / "web_permissions.md").write_text("\\n".join(lines) + "\\n", encoding="utf-8")

lines = ["| username | password | role | organisation |", "|---|---|---|---|"]
for a in DEMO_ACCOUNTS:
    lines.append(f"| `{a.username}` | `{a.password}` | {Role(a.role).label} | {a.organisation} |")
(out / "web_accounts.md").write_text("\\n".join(lines) + "\\n", encoding="utf-8")

lines = ["| Risk RAG status | shown as | meaning |", "|---|---|---|"]
for value in [*Rag.values, ""]:
    word, symbol = _RAG[value]
    label = Rag(value).label if value else "(blank)"
    lines.append(f"| {label} | {symbol} {word} | {RAG_MEANING[value]} |")
(out / "web_rag.md").write_text("\\n".join(lines) + "\\n", encoding="utf-8")
'''


def web_examples() -> None:
    """web.md, cli.md, deployment.md and the README: the web app on scratch SQLite files."""
    (EX / "web_tables.py").write_text(WEB_TABLES, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(EX / "web_tables.py"), str(OUT)],
        cwd=EX,
        env={**BASE_ENV, "CSPKIT_WEB_DB": str(EX / "tables.sqlite3")},
        check=True,
    )
    db = "--database web.sqlite3"
    run("web_demo", [f"cspkit web demo {db}"], cwd=EX)
    run("web_demo_again", [f"cspkit web demo {db} --no-accounts"], cwd=EX)
    run("web_manage", [f"cspkit web manage showmigrations plan {db}"], cwd=EX)
    run(
        "web_check_deploy",
        [
            "export CSPKIT_HTTPS=1",
            "export CSPKIT_ALLOWED_HOSTS=csp.example.org",
            "export CSPKIT_SECRET_KEY=docs-example-only-never-use-this-key-0123456789abcdefghijkl",
            f"cspkit web manage check --deploy {db}",
        ],
        cwd=EX,
    )
    port = _free_port()
    run(
        "web_serve",
        [
            f"timeout -s INT 6 cspkit serve {db} --port {port}",
            f"cspkit serve {db} --port {port} & sleep 4; cspkit serve {db} --port {port}; "
            'echo "exit status $?"; kill $!; wait',
        ],
        cwd=EX,
    )
    web_spreadsheet_examples()


def _free_port() -> int:
    """The first port from 8765 nobody listens on (another server may be running here)."""
    for port in range(8765, 8800):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8765-8799 for the `cspkit serve` example")


def _web_commands() -> set[str]:
    import typer.main

    from cspkit.cli import app

    return set(typer.main.get_command(app).commands["web"].commands)  # type: ignore[attr-defined]


def web_spreadsheet_examples() -> None:
    """The VRU spreadsheet both ways (recorded once `cspkit web export-plan` exists)."""
    if not {"export-plan", "import-plan"} <= _web_commands():
        return
    db = "--database web.sqlite3"
    run("web_export", [f"cspkit web export-plan barnet-2023-24.xlsx {db}"], cwd=EX)
    run(
        "web_import",
        [
            "cspkit web import-plan barnet-2023-24.xlsx --database new-web.sqlite3",
            "cspkit web import-plan barnet-2023-24.xlsx --database new-web.sqlite3",
        ],
        cwd=EX,
        cols=110,
    )
    (EX / "spoil.py").write_text(
        """from openpyxl import load_workbook

wb = load_workbook("barnet-2023-24.xlsx")
sheet = wb["VVR ACTION PLAN"]
header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Ref")
columns = {cell.value: cell.column for cell in sheet[header]}
sheet.cell(header + 1, columns["Start date"]).value = "Jam-24"
sheet.cell(header + 2, columns["Risk RAG status"]).value = "Purple"
sheet.cell(header + 1, columns["VRU Outcomes"]).value = "Improved sytems-level thinking"
wb.save("spoilt.xlsx")
""",
        encoding="utf-8",
    )
    run("web_spoil", ["cat spoil.py", "python spoil.py"], cwd=EX)
    spoilt = "cspkit web import-plan spoilt.xlsx --database new-web.sqlite3"
    run("web_import_problems", [f'{spoilt}; echo "exit status $?"'], cwd=EX, cols=110)
    run(
        "web_import_nothing",
        ["sha256sum new-web.sqlite3", f"{spoilt} > /dev/null", "sha256sum new-web.sqlite3"],
        cwd=EX,
    )


# ---------------------------------------------------------------- partner indicators, meetings

KPI_DB = EX / "kpis.sqlite3"  # the demo, with its accounts; the returns examples change it

RETURNS_CLIENT = '''"""What a partner does on the Returns page, through the app's own views
(Django's test client, signed in as a demo account): download a template, upload a file."""

import html
import logging
import re
import sys
from pathlib import Path

from cspkit.web import setup

setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402

from cspkit.web.kpis.models import Return  # noqa: E402
from cspkit.web.plan.models import Organisation  # noqa: E402

logging.disable(logging.WARNING)  # a refused upload is a 400, which Django logs


def client(username):
    c = Client(SERVER_NAME="localhost")
    c.force_login(get_user_model().objects.get(username=username))
    return c


def text(fragment):
    return html.unescape(re.sub(r"\\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def template(username, short_name, round_label, fmt):
    org = Organisation.objects.get(short_name=short_name)
    r = client(username).get(
        f"/kpis/returns/template.{fmt}", {"organisation": org.pk, "round": round_label}
    )
    assert r.status_code == 200, r.status_code
    name = re.search(r'filename="([^"]+)"', r["Content-Disposition"]).group(1)
    Path(name).write_bytes(r.content)


def upload(username, path):
    before = Return.objects.count()
    body = Path(path).read_bytes()
    r = client(username).post(
        "/kpis/returns/upload/", {"file": SimpleUploadedFile(Path(path).name, body)}
    )
    page = r.content.decode()
    table = re.search(r'<table[^>]*id="problems".*?</table>', page, re.S)
    if table:
        print(text(re.search(r"<caption>(.*?)</caption>", table.group(0)).group(1)))
        rows = [
            [text(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    else:
        box = re.search(r'<div class="notification[^>]*>(.*?)</div>', page, re.S).group(1)
        for line in re.findall(r"<(?:h1|p)[^>]*>(.*?)</(?:h1|p)>", box, re.S):
            print(text(line))
    print(f"(returns in the app: {before} before the upload, {Return.objects.count()} after)")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"template": template, "upload": upload}[command](*args)
'''

POLICE_Q3 = """indicator_code,indicator_name,unit,period,value,note
victim_satisfaction_nw_london,"Overall victim satisfaction, NW London",% of victims,2023/24 Q3,64%,
victim_satisfaction_barnet,"Victim satisfaction rate, Barnet",% of victims,2023/24 Q3,720,
victim_satisfaction_barnet,"Victim satisfaction rate, Barnet",% of victims,2023/24 Q5,72,
victim_hub_referrals,Referrals to the Victim Care Hub,referrals,2023/24 Q3,25,
victim_satisfaction_nw_london,"Overall victim satisfaction, NW London",% of victims,2099/00 Q1,60,
victim_satisfaction_nw_londn,"Overall victim satisfaction, NW London",% of victims,2023/24 Q2,63,
victim_satisfaction_barnet,"Victim satisfaction rate, Barnet",% of victims,2023/24 Q2,seventy,
victim_satisfaction_nw_london,"Overall victim satisfaction, NW London",% of victims,2023/24 Q3,65,
"""

POLICE_Q3_FIXED = """indicator_code,indicator_name,unit,period,value,note
victim_satisfaction_nw_london,"Overall victim satisfaction, NW London",% of victims,2023/24 Q3,64%,
victim_satisfaction_barnet,"Victim satisfaction rate, Barnet",% of victims,2023/24 Q3,72,survey
"""

KPI_TARGETS = """from cspkit.measures.targets import Target, kpi_status

target = Target(72, "cumulative", periods=3)  # "72 referrals by Q3": 24 a quarter
hub = [18, 21, 25]  # the Victim Care Hub's referrals in Q1, Q2 and Q3 2023/24
for q in (1, 2, 3):
    print(kpi_status(hub[:q], target, "higher", unit="referrals", period_label=f"Q{q}").sentence)
# a tolerance of 10% of the target: amber down to 64.8 by Q3
for q3 in (26, 25):
    s = kpi_status([18, 21, q3], target, "higher", unit="referrals", tolerance=10,
                   period_label="Q3")
    print(s.sentence)
# a return missing: no year-to-date total
print(kpi_status([18, None, 25], target, "higher", unit="referrals", period_label="Q3").sentence)
# 100 a year on a quarterly indicator: 25 a quarter
year = Target(100, "annual", periods=4)
print(kpi_status([30, 20], year, "higher", unit="referrals", period_label="Q2").sentence)
# lower is better, the same target every period
per_period = Target(5, "per_period")
unit = "cases per 1,000 tenancies"
print(kpi_status([4.5], per_period, "lower", unit=unit, period_label="2023/24").sentence)
"""

KPI_DISCLOSURE = """from datetime import date
from decimal import Decimal

from cspkit.measures.reporting_periods import parse_period
from cspkit.measures.targets import Target
from cspkit.products.partner_kpis import KpiDefinition, KpiReturn, partner_indicators

hub = KpiDefinition(
    code="victim_hub_referrals", name="Referrals to the Victim Care Hub", owner="CYPS",
    unit="referrals", measure="count", polarity="higher", frequency="quarterly",
    sensitive=True, target=Target(72, "cumulative", periods=3),
)
figures = {"2023/24 Q1": 18, "2023/24 Q2": 3, "2023/24 Q3": 25}  # Q2 made up: 3 is under 5
returns = [
    KpiReturn(hub.code, parse_period(p, "quarterly"), Decimal(v)) for p, v in figures.items()
]
for quarter_end in (date(2023, 6, 30), date(2023, 9, 30), date(2023, 12, 31)):
    k = partner_indicators([hub], returns, quarter_end)[0]  # published: as the board reads it
    print(f"{k.period}: value {k.value_display}, year to date {k.year_to_date_display}, "
          f"RAG {k.rag.value}, trend {[p.display for p in k.trend]}")
    print(f"  {k.sentence}")
print(k.notes)
k = partner_indicators([hub], returns, date(2023, 12, 31), publish=False)[0]
print(f"as entered: value {k.value_display}, year to date {k.year_to_date_display}, "
      f"RAG {k.rag.value}")
"""

KPI_DASHBOARD = """import dataclasses
from datetime import date

import cspkit
from cspkit.render import render_dashboard
from cspkit.web import setup

setup()  # the web app, on the database that $CSPKIT_WEB_DB names
from cspkit.web.kpis.report import kpi_reports  # noqa: E402
from cspkit.web.plan.models import Partnership  # noqa: E402

kpis = kpi_reports(Partnership.objects.get(), date(2023, 12, 31))  # as published
for k in kpis:
    if k.owner == "CYPS":
        print(f"{k.name} | {k.period} | {k.value_display} | {k.rag.value}")
report = cspkit.dashboard("2023-10", "2023-12", area="Barnet", vintage="2024-01")
report = dataclasses.replace(report, partner_indicators=kpis)
for fmt in ("html", "xlsx", "json"):
    print(render_dashboard(report, fmt, f"barnet-with-partners.{fmt}"))
"""


def kpi_examples() -> None:
    """kpis.md, meetings.md and cli.md: the demo's partner indicators, returns and packs."""
    e = {"CSPKIT_WEB_DB": str(KPI_DB)}
    subprocess.run(
        ["cspkit", "web", "demo", "--database", str(KPI_DB)],
        cwd=EX,
        env=BASE_ENV,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    (EX / "returns_client.py").write_text(RETURNS_CLIENT, encoding="utf-8")
    client = [sys.executable, str(EX / "returns_client.py")]
    for user, org in (("police.editor", "Police"), ("admin", "CYPS")):
        subprocess.run(
            [*client, "template", user, org, "2023/24 Q3", "csv"],
            cwd=EX,
            env={**BASE_ENV, **e},
            check=True,
        )
    run("kpi_template_police", ["cat -v returns-police-2023-24-q3.csv"], cwd=EX)
    run("kpi_template_cyps", ["cut -d, -f1,4,5 returns-cyps-2023-24-q3.csv | cat -v"], cwd=EX)
    (EX / "police-q3.csv").write_text(POLICE_Q3, encoding="utf-8")
    (EX / "police-q3-fixed.csv").write_text(POLICE_Q3_FIXED, encoding="utf-8")
    run("kpi_upload_file", ["cat police-q3.csv"], cwd=EX)
    run("kpi_upload_fixed_file", ["cat police-q3-fixed.csv"], cwd=EX)
    for name, path in (
        ("kpi_upload_problems", "police-q3.csv"),
        ("kpi_upload_fixed", "police-q3-fixed.csv"),
    ):
        result = subprocess.run(
            [*client, "upload", "police.editor", path],
            cwd=EX,
            env={**BASE_ENV, **e},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=True,
        )
        (OUT / f"{name}.txt").write_text(result.stdout, encoding="utf-8")
    (EX / "kpi_targets.py").write_text(KPI_TARGETS, encoding="utf-8")
    run("kpi_targets", ["cat kpi_targets.py", "python kpi_targets.py"], cwd=EX)
    (EX / "kpi_disclosure.py").write_text(KPI_DISCLOSURE, encoding="utf-8")
    run("kpi_disclosure", ["cat kpi_disclosure.py", "python kpi_disclosure.py"], cwd=EX)
    (EX / "kpi_dashboard.py").write_text(KPI_DASHBOARD, encoding="utf-8")
    run(
        "kpi_dashboard",
        [
            f"export CSPKIT_WAREHOUSE={WH}",
            f"export CSPKIT_WEB_DB={KPI_DB}",
            "cat kpi_dashboard.py",
            "python kpi_dashboard.py",
        ],
        cwd=EX,
    )
    partners = _dashboard_json(EX / "barnet-with-partners.json")["partner_indicators"]
    hub = next(p for p in partners if p["code"] == "victim_hub_referrals")
    _json_block("kpi_dashboard_json", hub)
    # -- meetings.md: the pack for 1 March 2024 (the Police Q3 returns above are in it)
    pack = "cspkit web meeting-pack --date 2024-03-01 --database kpis.sqlite3"
    run("meeting_pack", [f"{pack} --out board-pack-2024-03-01.pdf --warehouse {WH}"], cwd=EX)
    run(
        "meeting_pack_contents",
        [
            'python -c "from pypdf import PdfReader; '
            "print(PdfReader('board-pack-2024-03-01.pdf').pages[1].extract_text())\""
        ],
        cwd=EX,
    )
    run(
        "meeting_pack_no_police",
        [f"{pack} --out no-police.pdf --warehouse {EX}/no-police.duckdb"],
        cwd=EX,
    )
    run(
        "meeting_pack_err",
        [
            "cspkit web meeting-pack --date 2024-03-02 --out pack.pdf --database kpis.sqlite3; "
            'echo "exit status $?"'
        ],
        cwd=EX,
    )


def main() -> int:
    web_examples()
    cli_examples()
    stop_search_examples()
    dashboard_cli_examples()
    kpi_examples()
    dashboard_examples()
    pack_examples()
    ingest_examples()
    dashboard_data_examples()
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
