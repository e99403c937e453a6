"""The warehouse: one DuckDB file holding every ingested data set, rebuildable from files."""

from cspkit.warehouse.store import Warehouse, default_warehouse_path, resolve_warehouse_path

__all__ = ["Warehouse", "default_warehouse_path", "resolve_warehouse_path"]
