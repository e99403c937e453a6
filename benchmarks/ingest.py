"""Benchmark: ingest every shared MPS borough file, against a pandas baseline.

    .venv/bin/python benchmarks/ingest.py [--data ../shared/data] [--repeat 5] [--record]

Both contenders start from the same CSV files and end with the long-format counts in
a new DuckDB file on disk:

* cspkit: ``cspkit.ingest`` - decode and hash, detect the layout, validate every
  cell, match areas to GSS codes, map categories to canonical offences, record the
  files, load in one transaction into a copy and swap it in;
* baseline: what an analyst would write - ``pandas.read_csv(thousands=",")``,
  ``DataFrame.melt`` to long form, ``CREATE TABLE AS`` into DuckDB. No validation,
  no mapping, no provenance.

Each is run once to warm up (imports, caches) and then ``--repeat`` times in fresh
folders; the median is reported with the ratio baseline / cspkit (above 1 = cspkit
is faster). ``--record`` rewrites the results table in docs/performance.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd
from timing import in_fresh_folder, median_time, record

import cspkit

REPO = Path(__file__).resolve().parent.parent


def run_cspkit(files: list[Path], folder: Path) -> int:
    wh = folder / "cspkit.duckdb"
    cspkit.ingest(files, warehouse=wh, taxonomy_files=[])
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute("SELECT count(*) FROM crime_counts").fetchone()[0]


def run_pandas(files: list[Path], folder: Path) -> int:
    con = duckdb.connect(str(folder / "pandas.duckdb"))
    total = 0
    for index, path in enumerate(files):
        frame = pd.read_csv(path, thousands=",", encoding="utf-8-sig")
        long = frame.melt(id_vars=list(frame.columns[:3]), var_name="month", value_name="count")
        long.columns = ["major", "minor", "area", "month", "count"]
        long["file"] = index
        con.register("long_frame", long)
        con.execute("CREATE TABLE IF NOT EXISTS counts AS SELECT * FROM long_frame LIMIT 0")
        con.execute("INSERT INTO counts SELECT * FROM long_frame")
        con.unregister("long_frame")
        total += len(long)
    con.close()
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    files = sorted((args.data / "mps" / "borough").glob("vintage-*/*.csv"))
    if not files:
        raise SystemExit(f"no borough files under {args.data / 'mps' / 'borough'}")
    base_time, base_rows = median_time(in_fresh_folder(run_pandas, files), args.repeat)
    ours_time, our_rows = median_time(in_fresh_folder(run_cspkit, files), args.repeat)
    assert base_rows == our_rows, (base_rows, our_rows)
    ratio = base_time / ours_time
    runs = f"(median of {args.repeat})"
    verdict = "faster" if ratio > 1 else "slower"
    lines = [
        f"files: {len(files)} MPS borough files, {our_rows:,} monthly counts",
        f"pandas read_csv + melt + DuckDB insert (baseline): {base_time:.3f} s {runs}",
        f"cspkit ingest:                                     {ours_time:.3f} s {runs}",
        f"ratio baseline / cspkit: {ratio:.2f}x ({verdict} than baseline)",
    ]
    print("\n".join(lines))
    if args.record:
        record(lines, marker="ingest-benchmark")


if __name__ == "__main__":
    main()
