"""Demo records of this app, loaded by `cspkit web demo` after the plan."""

from __future__ import annotations


def load_demo(partnership, admin_user=None) -> None:
    """Load this app's demo records for ``partnership`` (idempotent)."""
    return None
