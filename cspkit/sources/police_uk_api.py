"""Reader for the data.police.uk API's stop and search records, saved as JSON.

The API's ``stops-force?force=F&date=YYYY-MM`` returns a JSON list of objects (one per
search), saved as ``<force>/stops-force-YYYY-MM.json``: the month comes from the name,
the force from the folder. Records are few (a few thousand a month), so they are read
here in full and validated one by one: a bad one is named by its index in the list.
The API returns fewer records a month than the monthly archive CSVs, so every record is
stored with its source (``api``), apart from the archive's (``csv``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import PurePosixPath

from cspkit.errors import SourceFormatError, UnknownLayout
from cspkit.sources.datasets import POLICE_SOURCE, PoliceApiStops, Provenance

API_LAYOUT = "data.police.uk API stop and search (JSON)"
# every record of a stops-force response has these keys
API_KEYS = (
    "age_range",
    "datetime",
    "gender",
    "legislation",
    "location",
    "object_of_search",
    "officer_defined_ethnicity",
    "outcome",
    "self_defined_ethnicity",
    "type",
)
API_SHAPE = "a JSON list of objects with " + ", ".join(API_KEYS)
_API_NAME = re.compile(r"^stops-force-(\d{4})-(\d{2})\.json$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def looks_like_api(doc: object) -> bool:
    """True for a stops-force response: a list whose first item has the API's keys."""
    return (
        isinstance(doc, list)
        and bool(doc)
        and isinstance(doc[0], dict)
        and all(k in doc[0] for k in API_KEYS)
    )


def read_api_json(path: str, data: bytes) -> PoliceApiStops:
    """Read and validate one saved ``stops-force`` response (force and month from its name)."""
    pure = PurePosixPath(path.replace("\\", "/"))
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SourceFormatError(
            f"not UTF-8 text ({exc.reason} at byte {exc.start}); expected the JSON the "
            "data.police.uk API returns",
            path=path,
        ) from None
    except json.JSONDecodeError as exc:
        raise SourceFormatError(
            f"not valid JSON ({exc.msg}); expected {API_SHAPE}",
            path=path,
            line=exc.lineno,
            column=exc.colno,
        ) from None
    if not looks_like_api(doc):
        if isinstance(doc, list) and not doc:
            found = "an empty list (no records)"
        elif isinstance(doc, list):
            first = doc[0]
            found = (
                "a list whose first item has the keys " + ", ".join(sorted(first))
                if isinstance(first, dict)
                else f"a list of {type(first).__name__}"
            )
        else:
            found = f"a JSON {type(doc).__name__}"
        raise UnknownLayout(f"unknown layout: expected {API_SHAPE}; found {found}", path=path)
    named = _API_NAME.match(pure.name)
    if not named or not 1 <= int(named.group(2)) <= 12:
        raise SourceFormatError(
            "cspkit takes the month of API stop and search records from the file name and "
            "the force from its folder: save each response as <force>/stops-force-YYYY-MM.json "
            "(e.g. metropolitan/stops-force-2024-09.json)",
            path=path,
        )
    force = pure.parent.name.lower()
    if not _SLUG.match(force):
        raise SourceFormatError(
            f"the folder '{pure.parent.name}' is not a force's data.police.uk slug (such as "
            "metropolitan or city-of-london); save each response as "
            "<force>/stops-force-YYYY-MM.json",
            path=path,
        )
    month = date(int(named.group(1)), int(named.group(2)), 1)
    columns: dict[str, list] = {name: [] for name in API_COLUMNS}
    for index, item in enumerate(doc):
        for name, value in _api_record(path, index, item).items():
            columns[name].append(value)
    return PoliceApiStops(
        provenance=Provenance(
            path, hashlib.sha256(data).hexdigest(), len(data), POLICE_SOURCE, API_LAYOUT
        ),
        force=force,
        month=month,
        indexes=list(range(len(doc))),
        columns=columns,
    )


API_COLUMNS = (
    "type",
    "datetime",
    "part_of_operation",
    "operation",
    "latitude",
    "longitude",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked_to_object",
    "removal_of_more_than_outer_clothing",
)
_TEXT_KEYS = {
    "type": "type",
    "operation": "operation_name",
    "gender": "gender",
    "age_range": "age_range",
    "self_defined_ethnicity": "self_defined_ethnicity",
    "officer_defined_ethnicity": "officer_defined_ethnicity",
    "legislation": "legislation",
    "object_of_search": "object_of_search",
}
_BOOL_KEYS = {
    "part_of_operation": "operation",
    "outcome_linked_to_object": "outcome_linked_to_object_of_search",
    "removal_of_more_than_outer_clothing": "removal_of_more_than_outer_clothing",
}


def _api_record(path: str, index: int, item: object) -> dict:
    def bad(key: str, expected: str, value: object) -> SourceFormatError:
        return SourceFormatError(
            f"list index {index}: {key}: expected {expected}, found {json.dumps(value)}",
            path=path,
        )

    if not isinstance(item, dict):
        raise bad("record", "an object", item)
    missing = [k for k in API_KEYS if k not in item]
    if missing:
        raise SourceFormatError(
            f"list index {index}: the record has no {', '.join(missing)}; every record of "
            f"the API's stop and search data has {', '.join(API_KEYS)}",
            path=path,
        )
    out: dict = {}
    for column, key in _TEXT_KEYS.items():
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise bad(key, "text or null", value)
        out[column] = value or None
    if not out["type"]:
        raise bad("type", "the type of search (e.g. Person search)", item.get("type"))
    for column, key in _BOOL_KEYS.items():
        value = item.get(key)
        if value is not None and not isinstance(value, bool):
            raise bad(key, "true, false or null", value)
        out[column] = value
    outcome = item.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        named = item.get("outcome_object")
        outcome = named.get("name") if isinstance(named, dict) else None
        if not isinstance(outcome, str):
            raise bad("outcome", "text or null", item.get("outcome"))
    out["outcome"] = outcome or None
    out["datetime"] = _api_datetime(item["datetime"], lambda v: bad("datetime", _DATETIME, v))
    out["latitude"], out["longitude"] = _api_location(item["location"], bad)
    return out


_DATETIME = "a date and time such as 2024-09-27T09:45:00+00:00"


def _api_datetime(value: object, bad: Callable[[object], SourceFormatError]) -> datetime:
    """The moment as UTC without a time zone (how the warehouse stores every search)."""
    if not isinstance(value, str):
        raise bad(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad(value) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _api_location(location: object, bad) -> tuple[float | None, float | None]:
    if location is None:
        return None, None
    if not isinstance(location, dict):
        raise bad("location", "an object with latitude and longitude, or null", location)
    out = []
    for key, limit in (("latitude", 90.0), ("longitude", 180.0)):
        value = location.get(key)
        if value is None or value == "":
            raise bad(f"location.{key}", f"a number of degrees from -{limit:g} to {limit:g}", value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not -limit <= number <= limit:
            raise bad(f"location.{key}", f"a number of degrees from -{limit:g} to {limit:g}", value)
        out.append(number)
    return out[0], out[1]
