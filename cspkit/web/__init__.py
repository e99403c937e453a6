"""The partnership web app (Django): strategy, objectives, the VRU action plan, the board view.

Settings live in :mod:`cspkit.web.settings`; records and pages in :mod:`cspkit.web.plan`.
:func:`setup` configures Django for command-line use (``cspkit web ...``, ``cspkit serve``).
"""

from __future__ import annotations

import os


def setup() -> None:
    """Configure Django once, for code that runs outside ``manage.py`` (the CLI, benchmarks)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cspkit.web.settings")
    import django

    django.setup()
