"""The canonical offence taxonomy, loaded from data files.

Offences and groups are defined in ``offences.yaml``; the mapping from every source
category name to one canonical offence is ``mappings.csv``. A partnership can add
or override mappings in CSV files of its own (``--taxonomy`` /
``CSPKIT_TAXONOMY``, or ``mappings.csv`` in the user config folder) without
touching code. Areas (GSS codes, names, variants) are in ``areas.csv``.
"""

from cspkit.taxonomy.offences import (
    Group,
    Mapping,
    Offence,
    Taxonomy,
    load_taxonomy,
    normalise_name,
    user_mapping_files,
)

__all__ = [
    "Group",
    "Mapping",
    "Offence",
    "Taxonomy",
    "load_taxonomy",
    "normalise_name",
    "user_mapping_files",
]
