"""Load and query the canonical offence taxonomy (offences, groups, mappings)."""

from __future__ import annotations

import csv
import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

import platformdirs
import yaml

from cspkit.errors import TaxonomyError, UnknownOffence
from cspkit.measures.periods import format_month, parse_month

BUILTIN_ORIGIN = "built-in"
MAPPING_COLUMNS = ("source", "major", "minor", "offence", "from", "to", "note")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """The form in which source names are compared.

    Releases change letter case ("Domestic Burglary" / "DOMESTIC BURGLARY"), write
    "&" for "and" and vary spacing; none of that changes what a category means.
    """
    text = name.replace("&", " and ").casefold()
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Offence:
    id: str
    name: str


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    offences: tuple[str, ...]


@dataclass(frozen=True)
class Mapping:
    """One row of a mapping file: a source category, over some months, is an offence."""

    source: str
    major: str
    minor: str
    offence: str
    first: date | None
    last: date | None
    note: str
    origin: str  # "built-in" or "path:line", for error messages and provenance

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, normalise_name(self.major), normalise_name(self.minor))

    def covers(self, month: date) -> bool:
        return (self.first is None or self.first <= month) and (
            self.last is None or month <= self.last
        )

    def overlaps(self, other: Mapping) -> bool:
        lo = max(self.first or date.min, other.first or date.min)
        hi = min(self.last or date.max, other.last or date.max)
        return lo <= hi


@dataclass
class Taxonomy:
    offences: dict[str, Offence]
    groups: dict[str, Group]
    builtin: list[Mapping]
    user: list[Mapping] = field(default_factory=list)
    user_files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str, str], tuple[list[Mapping], list[Mapping]]] = {}
        for layer, rows in ((1, self.user), (0, self.builtin)):
            for row in rows:
                self._index.setdefault(row.key, ([], []))[layer].append(row)

    def resolve(self, source: str, major: str, minor: str, month: date) -> str | None:
        """The canonical offence of a source category in a month, or None if unmapped.

        A user's mapping wins over the built-in one for the months it covers.
        """
        key = (source, normalise_name(major), normalise_name(minor))
        builtin, user = self._index.get(key, ([], []))
        for row in user:
            if row.covers(month):
                return row.offence
        for row in builtin:
            if row.covers(month):
                return row.offence
        return None

    def resolve_months(
        self, source: str, major: str, minor: str, months: list[date]
    ) -> list[str | None]:
        """:meth:`resolve` for many months of one category (normalising the name once)."""
        key = (source, normalise_name(major), normalise_name(minor))
        builtin, user = self._index.get(key, ([], []))
        rows = [*user, *builtin]
        if len(rows) == 1 and rows[0].first is None and rows[0].last is None:
            return [rows[0].offence] * len(months)
        out: list[str | None] = []
        for month in months:
            out.append(next((r.offence for r in rows if r.covers(month)), None))
        return out

    def expand(self, offence_or_group: str) -> tuple[str, ...]:
        """The canonical offence ids meant by an offence id or a group id."""
        if offence_or_group in self.offences:
            return (offence_or_group,)
        if offence_or_group in self.groups:
            return self.groups[offence_or_group].offences
        known = sorted(self.offences) + sorted(self.groups)
        close = difflib.get_close_matches(offence_or_group, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownOffence(
            f"'{offence_or_group}' is neither an offence nor a group.{hint} "
            "Run `cspkit offences` to list them."
        )

    def label(self, offence_or_group: str) -> str:
        if offence_or_group in self.offences:
            return self.offences[offence_or_group].name
        self.expand(offence_or_group)
        return self.groups[offence_or_group].name

    def groups_of(self, offence_id: str) -> list[str]:
        return [g.id for g in self.groups.values() if offence_id in g.offences]


def user_config_mappings() -> Path:
    """Where a partnership's own mapping file is found without any option."""
    return Path(platformdirs.user_config_dir("cspkit")) / "mappings.csv"


def user_mapping_files() -> list[Path]:
    """The user's mapping files: ``CSPKIT_TAXONOMY`` (path list) or the config folder."""
    env = os.environ.get("CSPKIT_TAXONOMY")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    default = user_config_mappings()
    return [default] if default.exists() else []


def load_taxonomy(user_files: Iterable[str | os.PathLike] | None = None) -> Taxonomy:
    """Load the built-in taxonomy plus the user's mapping files.

    ``user_files=None`` means "the default user files" (see :func:`user_mapping_files`);
    pass ``[]`` for the built-in taxonomy only.
    """
    package = resources.files("cspkit.taxonomy")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster
    spec = yaml.load(package.joinpath("offences.yaml").read_text(encoding="utf-8"), Loader=loader)
    offences = {oid: Offence(oid, attrs["name"]) for oid, attrs in spec["offences"].items()}
    groups = {}
    for gid, attrs in spec["groups"].items():
        members = attrs["offences"]
        members = tuple(offences) if members == "all" else tuple(members)
        for member in members:
            if member not in offences:
                raise TaxonomyError(
                    f"offences.yaml: group '{gid}' names unknown offence '{member}'"
                )
        if gid in offences:
            raise TaxonomyError(f"offences.yaml: '{gid}' is both an offence and a group")
        groups[gid] = Group(gid, attrs["name"], members)

    builtin_text = package.joinpath("mappings.csv").read_text(encoding="utf-8")
    builtin = _read_mappings(builtin_text, "mappings.csv", offences, origin=BUILTIN_ORIGIN)
    files = user_mapping_files() if user_files is None else [Path(p) for p in user_files]
    user: list[Mapping] = []
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise TaxonomyError(f"cannot read mapping file {path}: {exc.strerror}") from exc
        user.extend(_read_mappings(text, str(path), offences, origin=str(path)))
    _check_no_overlaps(builtin)
    _check_no_overlaps(user)
    return Taxonomy(offences, groups, builtin, user, tuple(str(p) for p in files))


def _read_mappings(
    text: str, name: str, offences: dict[str, Offence], *, origin: str
) -> list[Mapping]:
    reader = csv.DictReader(text.splitlines())
    missing = {"major", "minor", "offence"} - set(reader.fieldnames or [])
    if missing:
        raise TaxonomyError(
            f"{name}, line 1: a mapping file needs the columns {', '.join(MAPPING_COLUMNS)} "
            f"(source, from, to and note may be left out); missing: {', '.join(sorted(missing))}"
        )
    rows = []
    for line_no, rec in enumerate(reader, start=2):
        offence = (rec.get("offence") or "").strip()
        if offence not in offences:
            close = difflib.get_close_matches(offence, list(offences), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise TaxonomyError(
                f"{name}, line {line_no}: unknown offence '{offence}'{hint}; "
                "the offence column must be a canonical offence id from `cspkit offences`"
            )
        try:
            first = parse_month(rec["from"]) if (rec.get("from") or "").strip() else None
            last = parse_month(rec["to"]) if (rec.get("to") or "").strip() else None
        except Exception as exc:
            raise TaxonomyError(f"{name}, line {line_no}: {exc}") from exc
        if first and last and last < first:
            raise TaxonomyError(f"{name}, line {line_no}: 'to' is before 'from'")
        rows.append(
            Mapping(
                source=(rec.get("source") or "mps_borough").strip(),
                major=rec["major"].strip(),
                minor=rec["minor"].strip(),
                offence=offence,
                first=first,
                last=last,
                note=(rec.get("note") or "").strip(),
                origin=origin if origin == BUILTIN_ORIGIN else f"{origin}:{line_no}",
            )
        )
    return rows


def _check_no_overlaps(rows: list[Mapping]) -> None:
    """Within one layer, a source name may not map to two offences in the same month."""
    by_key: dict[tuple[str, str, str], list[Mapping]] = {}
    for row in rows:
        for other in by_key.get(row.key, []):
            if row.overlaps(other):
                span = _span(row)
                raise TaxonomyError(
                    f"'{row.major} / {row.minor}' is mapped twice for {span}: "
                    f"to '{other.offence}' ({other.origin}) and to '{row.offence}' "
                    f"({row.origin}); limit one with from/to months"
                )
        by_key.setdefault(row.key, []).append(row)


def _span(row: Mapping) -> str:
    first = format_month(row.first) if row.first else "the start"
    last = format_month(row.last) if row.last else "the end"
    return f"months from {first} to {last}"
