"""Opening the warehouse for reading, and writing to it atomically without blocking readers.

DuckDB lets one process write a database file, and a writer's lock keeps readers of
other processes out. So a load never writes the live file: it copies it, loads into
the copy inside a transaction, checkpoints, and renames the copy over the live file
(an atomic rename on POSIX). Consequences:

* a failed load leaves the live file byte for byte as it was (the copy is deleted);
* readers (the CLI, the web app) open the live file read-only and are never blocked:
  a reader that opened the old file keeps reading it until it closes;
* writers queue on a lock file beside the warehouse, so two loads never interleave.

The copy costs a few milliseconds for borough data; see docs/decisions/0001.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import platformdirs

from cspkit.errors import CspkitError, EmptyWarehouse
from cspkit.warehouse.schema import DDL, SCHEMA_VERSION

ENV_VAR = "CSPKIT_WAREHOUSE"


def default_warehouse_path() -> Path:
    """The per-user default: e.g. ~/.local/share/cspkit/warehouse.duckdb on Linux."""
    return Path(platformdirs.user_data_dir("cspkit")) / "warehouse.duckdb"


def resolve_warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """``--warehouse`` if given, else ``CSPKIT_WAREHOUSE``, else the per-user default."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_warehouse_path()


class Warehouse:
    """A warehouse file. Cheap to create; connections are opened per use and closed."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = resolve_warehouse_path(path)

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the live file."""
        if not self.path.exists():
            raise EmptyWarehouse(
                f"there is no warehouse at {self.path} yet. Load data first, e.g. "
                "`cspkit ingest ../shared/data/mps/borough`"
            )
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            _check_version(con, self.path)
            yield con
        finally:
            con.close()

    @contextmanager
    def writing(
        self, *, before_commit: Callable[[], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to a private copy, swapped in only if the block succeeds.

        ``before_commit`` runs after the load and before the swap; tests use it to
        show that readers are not blocked while a load is in progress.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            staging = self.path.with_name(
                f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.loading"
            )
            _remove(staging)
            con = None
            try:
                if self.path.exists():
                    shutil.copyfile(self.path, staging)
                con = duckdb.connect(str(staging))
                _ensure_schema(con, self.path)
                con.execute("BEGIN TRANSACTION")
                yield con
                con.execute("COMMIT")
                if before_commit is not None:
                    before_commit()
                con.execute("CHECKPOINT")
                con.close()
                _fsync(staging)
                os.replace(staging, self.path)
                _fsync(self.path.parent)
            except BaseException:
                if con is not None:
                    con.close()
                _remove(staging)
                raise


def _ensure_schema(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the tables in a new warehouse; refuse one of another schema version.

    The version is checked before any DDL runs, so an old warehouse gets the "delete
    and re-ingest" message rather than a DuckDB error from a changed table.
    """
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if has_meta:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and row[0] != SCHEMA_VERSION:
            _version_error(path, row[0])
    con.execute(DDL)
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def _check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None or row[0] != SCHEMA_VERSION:
        _version_error(path, row[0] if row else "none")


def _version_error(path: Path, found: str) -> None:
    raise CspkitError(
        f"the warehouse {path} has schema version {found}; this cspkit needs "
        f"{SCHEMA_VERSION}. The warehouse is a cache of your files: delete it and run "
        "`cspkit ingest` again"
    )


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        candidate.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
