"""Benchmark: the JSON Performance Dashboard for all 32 boroughs, against a pandas baseline.

    .venv/bin/python benchmarks/dashboard.py [--data ../shared/data] [--repeat 5] [--record]

Both start from the same warehouse (built once from the shared borough files and
population series) and compute, for each of the 32 London boroughs and each police
indicator of the board's dashboard, October-December 2023 at vintage 2024-01: the
count, the same period last year, the rolling 12 months and the 12 before, rates,
London and North West BCU ranks now and a year earlier, and the exact significance
test.

* cspkit: ``api.dashboards`` for the 32 boroughs, each rendered to a JSON file;
* baseline: what an analyst would write in a notebook - one query into a pandas
  DataFrame, then a loop over boroughs and indicators filtering the frame, choosing
  the release per month, summing, ranking with ``Series.rank(method="min")``, and
  ``scipy.stats.binomtest``. It writes one JSON file per borough too.

Each is run once to warm up, then ``--repeat`` times; the median is reported with the
ratio baseline / cspkit (above 1 = cspkit is faster). The two are checked to agree on
every count and rank before any time is reported. ``--record`` updates
docs/performance.md. A single PDF is also timed (goal: under 5 s).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from scipy.stats import binomtest
from timing import in_fresh_folder, median_time, record

import cspkit.api as api
from cspkit.taxonomy.areas import area_directory

REPO = Path(__file__).resolve().parent.parent
FIRST, LAST, VINTAGE = "2023-10", "2023-12", "2024-01"
INDICATORS = {  # id -> (canonical offence, rate multiplier)
    "residential_burglary": 10_000,
    "non_residential_burglary": 100_000,
    "personal_robbery": 100_000,
    "violence_with_injury": 1_000,
}
GROUP = ["Barnet", "Brent", "Harrow"]


def run_cspkit(warehouse: Path, out: Path) -> dict:
    from cspkit.render import render_dashboard

    names = [a.name for a in area_directory().areas if a.kind == "london_borough"]
    reports = api.dashboards(
        names, FIRST, LAST, vintage=VINTAGE, warehouse=warehouse, taxonomy_files=[]
    )
    figures = {}
    for report in reports:
        render_dashboard(report, "json", out / f"{report.area.code}.json")
        for ind in report.indicators:
            if ind.id in INDICATORS:
                figures[(report.area.name, ind.id)] = (ind.count, ind.london_rank)
    return figures


def run_pandas(warehouse: Path, out: Path) -> dict:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(
            """SELECT c.area_name, c.offence_id, c.month, c.count, c.vintage
               FROM crime_monthly c
               WHERE c.offence_id IN ('residential_burglary', 'non_residential_burglary',
                                      'personal_robbery', 'violence_with_injury')"""
        ).df()
        pops = con.execute(
            "SELECT area_name, year, population FROM population WHERE series = 'borough_population'"
        ).df()
    frame["month"] = pd.to_datetime(frame["month"])
    frame["vintage"] = pd.to_datetime(frame["vintage"])
    frame = frame[frame["vintage"] <= pd.Timestamp(VINTAGE + "-01")]
    latest = frame.groupby("month")["vintage"].transform("max")
    frame = frame[frame["vintage"] == latest]
    pop = {(r.area_name, r.year): r.population for r in pops.itertuples()}
    boroughs = [a.name for a in area_directory().areas if a.kind == "london_borough"]

    def total(area, offence, first, last):
        rows = frame[
            (frame.area_name == area)
            & (frame.offence_id == offence)
            & (frame.month >= pd.Timestamp(first))
            & (frame.month <= pd.Timestamp(last))
        ]
        return int(rows["count"].sum())

    figures = {}
    for area in boroughs:
        result = {}
        for offence, per in INDICATORS.items():
            now = {b: total(b, offence, "2023-10-01", "2023-12-01") for b in boroughs}
            before = {b: total(b, offence, "2022-10-01", "2022-12-01") for b in boroughs}
            rates = pd.Series({b: now[b] / pop[(b, 2023)] * per for b in boroughs})
            rates_ly = pd.Series({b: before[b] / pop[(b, 2022)] * per for b in boroughs})
            rank = int(rates.rank(method="min")[area])
            group_rank = int(rates[GROUP].rank(method="min").get(area, 0))
            r12 = total(area, offence, "2023-01-01", "2023-12-01")
            p12 = total(area, offence, "2022-01-01", "2022-12-01")
            e1, e0 = pop[(area, 2023)], pop[(area, 2022)]
            test = binomtest(now[area], now[area] + before[area], e1 / (e1 + e0))
            result[offence] = {
                "count": now[area],
                "comparison_count": before[area],
                "rolling_12m": [r12, p12],
                "rate": float(rates[area]),
                "london_rank": rank,
                "london_rank_last_year": int(rates_ly.rank(method="min")[area]),
                "comparator_rank": group_rank,
                "p_value": test.pvalue,
            }
            figures[(area, offence)] = (now[area], rank)
        (out / f"{area}.json").write_text(json.dumps(result))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Path(folder) / "bench.duckdb"
        api.ingest(
            [args.data / "mps" / "borough", args.data / "population"],
            warehouse=warehouse,
            taxonomy_files=[],
        )
        base_time, base = median_time(in_fresh_folder(run_pandas, warehouse), args.repeat)
        ours_time, ours = median_time(in_fresh_folder(run_cspkit, warehouse), args.repeat)
        assert ours == base, "cspkit and the baseline disagree"
        from cspkit.render import render_dashboard

        report = api.dashboard(
            FIRST, LAST, area="Barnet", vintage=VINTAGE, warehouse=warehouse, taxonomy_files=[]
        )
        start = time.perf_counter()
        render_dashboard(report, "pdf", Path(folder) / "barnet.pdf")
        pdf_time = time.perf_counter() - start
    ratio = base_time / ours_time
    runs = f"(median of {args.repeat})"
    lines = [
        f"32 borough dashboards x {len(INDICATORS)} police indicators, {FIRST}..{LAST}, "
        f"vintage {VINTAGE}",
        f"pandas loop + scipy (baseline): {base_time:.3f} s {runs}",
        f"cspkit dashboards + JSON:       {ours_time:.3f} s {runs}",
        f"ratio baseline / cspkit: {ratio:.2f}x ({'faster' if ratio > 1 else 'slower'})",
        f"one PDF (Barnet, all pages): {pdf_time:.2f} s",
    ]
    print("\n".join(lines))
    if args.record:
        record(lines, marker="dashboard-benchmark")


if __name__ == "__main__":
    main()
