"""Benchmark: ingest a national-scale data.police.uk street-level file, against pandas.

    .venv/bin/python benchmarks/police_uk.py [--data ../shared/data] [--rows 6000000] [--record]

England and Wales publish about 500,000 street-level crimes a month, so a year of the
national archive is about six million rows (issue 5: at least 200,000 rows/s on the
2-core machine, with memory that stays flat as the file grows). The file is generated in
the exact published layout by replicating the real City of London rows of
``police_uk/city-of-london/*/*-street.csv`` (27 months, 21,408 rows), written to a
temporary folder as it is generated (never held in memory). It is named
``city-of-london-street-benchmark.csv``, not as an archive file, so cspkit takes the
months from the rows and the force from "Reported by": the harder path.

Three sizes are measured, ``--rows`` / 4, / 2 and ``--rows`` (1x, 2x, 4x), each in a
fresh process, so the peak resident memory (``resource.getrusage``) of each run is its
own:

* cspkit: ``cspkit.ingest`` into a new warehouse - hash, detect, read with DuckDB's CSV
  reader, validate every month, coordinate and crime type, keep each row's line, flag
  anti-social behaviour, record the file, and swap the warehouse in atomically;
* baseline: ``pandas.read_csv`` of the file, then ``CREATE TABLE AS`` into DuckDB. No
  validation, no lines, no provenance.

``--record`` writes the result into docs/performance.md (the ``police-uk-benchmark``
block).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = "city-of-london-street-benchmark.csv"


def generate(data: Path, rows: int, out: Path) -> int:
    """Write a street-level file of ``rows`` rows by repeating the real rows; its size."""
    files = sorted(glob.glob(str(data / "police_uk" / "city-of-london" / "*" / "*-street.csv")))
    if not files:
        raise SystemExit(f"no street-level files under {data / 'police_uk' / 'city-of-london'}")
    header, real = b"", []
    for path in files:
        with open(path, "rb") as handle:
            header = handle.readline()
            real.extend(line if line.endswith(b"\n") else line + b"\r\n" for line in handle)
    block = b"".join(real)
    with open(out, "wb") as handle:
        handle.write(header)
        written = 0
        while written + len(real) <= rows:
            handle.write(block)
            written += len(real)
        handle.write(b"".join(real[: rows - written]))
    return out.stat().st_size


def child(which: str, path: Path, folder: Path) -> None:
    """One measured run, in its own process; prints seconds, rows and peak RSS as JSON."""
    if which == "cspkit":
        import cspkit

        start = time.perf_counter()
        report = cspkit.ingest([path], warehouse=folder / "cspkit.duckdb", taxonomy_files=[])
        seconds = time.perf_counter() - start
        rows = report.files[0].rows
    else:
        import duckdb
        import pandas as pd

        start = time.perf_counter()
        frame = pd.read_csv(path)
        con = duckdb.connect(str(folder / "pandas.duckdb"))
        con.execute("CREATE TABLE street AS SELECT * FROM frame")
        con.close()
        seconds = time.perf_counter() - start
        rows = len(frame)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak}))


def measure(which: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="cspkit-bench-") as folder:
        done = subprocess.run(
            [sys.executable, __file__, "--child", which, str(path), folder],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=6_000_000, help="rows at 4x (the largest)")
    parser.add_argument("--record", action="store_true", help="update docs/performance.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, path, folder = args.child
        child(which, Path(path), Path(folder))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="cspkit-police-") as tmp:
        for scale in (1, 2, 4):
            rows = args.rows * scale // 4
            path = Path(tmp) / NAME
            size = generate(args.data, rows, path)
            ours = measure("cspkit", path)
            base = measure("pandas", path)
            assert ours["rows"] == base["rows"] == rows, (ours, base, rows)
            results.append((scale, rows, size, ours, base))
            print(f"{scale}x: {rows:,} rows done", file=sys.stderr)
            path.unlink()
    lines = [
        f"street-level crime, exact layout, real City of London rows replicated; "
        f"{os.cpu_count()} cores",
        "size  rows        file      cspkit s  rows/s    peak RSS | pandas s  rows/s    peak RSS",
    ]
    for scale, rows, size, ours, base in results:
        lines.append(
            f"{scale}x    {rows:>10,}  {size / 1e9:5.2f} GB  "
            f"{ours['seconds']:7.1f}  {rows / ours['seconds']:>8,.0f}  {ours['peak_mb']:5.0f} MB | "
            f"{base['seconds']:7.1f}  {rows / base['seconds']:>8,.0f}  {base['peak_mb']:5.0f} MB"
        )
    scale, rows, _, ours, base = results[-1]
    lines.append(
        f"at {scale}x: cspkit {rows / ours['seconds']:,.0f} rows/s (goal 200,000), "
        f"{base['seconds'] / ours['seconds']:.2f}x the baseline's speed; peak RSS from 1x to "
        f"4x: cspkit {results[0][3]['peak_mb']:.0f} -> {ours['peak_mb']:.0f} MB, pandas "
        f"{results[0][4]['peak_mb']:.0f} -> {base['peak_mb']:.0f} MB"
    )
    print("\n".join(lines))
    if args.record:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from timing import record  # benchmarks/timing.py

        record(lines, marker="police-uk-benchmark")


if __name__ == "__main__":
    main()
