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
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

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


def measure(func, files: list[Path], repeat: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as warm:
        rows = func(files, Path(warm))
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            func(files, Path(folder))
            times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    files = sorted((args.data / "mps" / "borough").glob("vintage-*/*.csv"))
    if not files:
        raise SystemExit(f"no borough files under {args.data / 'mps' / 'borough'}")
    base_time, base_rows = measure(run_pandas, files, args.repeat)
    ours_time, our_rows = measure(run_cspkit, files, args.repeat)
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
        record(lines)


def record(lines: list[str], marker: str = "ingest-benchmark") -> None:
    """Replace the block between two ``<!-- marker -->`` lines in docs/performance.md."""
    doc = REPO / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    marker = f"<!-- {marker} -->"
    block = (
        f"{marker}\n"
        f"Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, DuckDB {duckdb.__version__}, "
        f"pandas {pd.__version__}.\n\n```\n" + "\n".join(lines) + "\n```\n" + marker
    )
    if marker in text:
        head, _, rest = text.partition(marker)
        _, _, tail = rest.partition(marker)
        text = head + block + tail
    else:
        text = text + "\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")
    print(f"recorded in {doc}")


if __name__ == "__main__":
    main()
