"""What every benchmark here shares: timing with a warm-up, and recording the result.

Each benchmark runs its contenders once to warm up (imports, caches), then ``repeat``
times, and reports the median; ``record`` writes its lines into docs/performance.md
between two ``<!-- marker -->`` comments so each benchmark owns one block.
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def in_fresh_folder(func: Callable[[T, Path], object], arg: T) -> Callable[[], object]:
    """A zero-argument run of ``func(arg, folder)`` in a new temporary folder each time."""

    def run():
        with tempfile.TemporaryDirectory() as folder:
            return func(arg, Path(folder))

    return run


def median_time(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    """(median seconds over ``repeat`` runs, the warm-up run's result)."""
    result = run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def record(lines: list[str], marker: str) -> None:
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
