"""cspkit: evidence and performance products for Community Safety Partnerships.

The Python API mirrors the command line: every ``cspkit VERB`` is a function of the
same name in :mod:`cspkit.api`, also reachable as ``cspkit.VERB``.
"""

__version__ = "0.5.0"

_API = (
    "areas",
    "assess",
    "dashboard",
    "dashboards",
    "ingest",
    "offences",
    "population",
    "remap",
    "series",
    "sna",
    "stop_search",
    "unmapped",
    "vintages",
    "ward_pack",
)


def __getattr__(name: str):
    """Import the API lazily, so ``import cspkit.sources`` does not load the warehouse."""
    if name in _API:
        from cspkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'cspkit' has no attribute {name!r}")


__all__ = ["__version__", *_API]
