"""Benchmark: the needs assessment's ward section for all 32 boroughs, against pandas.

    .venv/bin/python benchmarks/wards.py [--data ../shared/data] [--repeat 3] [--record]

Both start from the same warehouse (the shared ward files, population tables and the
LSOA-to-ward lookup) and produce, for each of the 32 boroughs, every ward's count of
all offences over the 12 months to 2023-08 and its rate per 1,000 residents:

* cspkit: ``api.ward_pack`` (one query per borough and offence set, populations from
  ONS SAPE 2020 or Census 2021 LSOAs through the lookup, the SNA's bands);
* baseline: a notebook-style pandas version - one query of every ward count into a
  DataFrame, then per borough filter, sum by ward, and join a population frame built
  the same way (SAPE where the names agree, else Census LSOAs through the lookup).

They are checked to agree on every ward's count before timing. The ratio is baseline
/ cspkit (above 1 = cspkit is faster). ``--record`` updates docs/performance.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
from timing import median_time, record

import cspkit.api as api
from cspkit.taxonomy.areas import area_directory

REPO = Path(__file__).resolve().parent.parent
END = "2023-08"
BOROUGHS = [a for a in area_directory().areas if a.kind == "london_borough"]


def run_cspkit(warehouse: Path) -> dict:
    packs = api.ward_pack([b.name for b in BOROUGHS], END, warehouse=warehouse, taxonomy_files=[])
    return {(r["code"]): r["count"] for pack in packs for r in pack.get("rows", [])}


def run_pandas(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(
            """SELECT r.borough_code, r.ward_code, c.month, c.count, f.vintage, c.offence_id
               FROM ward_counts c JOIN ward_rows r USING (file_id, row_id)
               JOIN files f USING (file_id)"""
        ).df()
        lsoa = con.execute(
            """SELECT geography_code AS lsoa, count FROM census
               WHERE census_table = 'TS007A' AND category = 'Total'"""
        ).df()
        lookup = con.execute("SELECT lsoa_code AS lsoa, ward_code FROM lsoa_ward_lookup").df()
    frame = frame[frame["offence_id"].notna()]
    frame["month"] = pd.to_datetime(frame["month"])
    window = (frame["month"] >= pd.Timestamp("2022-09-01")) & (
        frame["month"] <= pd.Timestamp(END + "-01")
    )
    frame = frame[window]
    latest = frame.groupby("month")["vintage"].transform("max")
    frame = frame[frame["vintage"] == latest]
    population = lsoa.merge(lookup, on="lsoa").groupby("ward_code")["count"].sum()
    out = {}
    for borough in BOROUGHS:
        rows = frame[frame["borough_code"] == borough.code]
        counts = rows.groupby("ward_code")["count"].sum()
        rates = counts / population.reindex(counts.index) * 1000
        for code, count in counts.items():
            out[code] = int(count)
        _ = rates.sort_values(ascending=False).head(5)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        warehouse = Path(folder) / "bench.duckdb"
        api.ingest(
            [args.data / "mps" / "ward", args.data / "population", args.data / "lookups"],
            warehouse=warehouse,
            taxonomy_files=[],
        )
        base_time, base = median_time(lambda: run_pandas(warehouse), args.repeat)
        ours_time, ours = median_time(lambda: run_cspkit(warehouse), args.repeat)
        assert ours == base, "cspkit and the baseline disagree"
    ratio = base_time / ours_time
    lines = [
        f"ward section for 32 boroughs ({len(ours)} wards), 12 months to {END}",
        f"pandas (baseline): {base_time:.3f} s (median of {args.repeat})",
        f"cspkit ward_pack:  {ours_time:.3f} s (median of {args.repeat})",
        f"ratio baseline / cspkit: {ratio:.2f}x ({'faster' if ratio > 1 else 'slower'})",
    ]
    print("\n".join(lines))
    if args.record:
        record(lines, marker="wards-benchmark")


if __name__ == "__main__":
    main()
