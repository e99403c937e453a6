"""Demo records of this app: the Board's Forward Plan July 2023 - July 2024.

The meetings and their agenda items come from the ``meetings:`` part of
``cspkit/web/demo_data/barnet_kpis_2023_24.yaml`` (transcribed from the board papers; the
file's header says how). Loaded by ``cspkit web demo`` after the plan.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import yaml
from django.db import transaction

from cspkit.web.meetings.models import AgendaItem, Decision
from cspkit.web.plan.models import BoardMeeting

DEMO_FILE = "barnet_kpis_2023_24.yaml"


def demo_meetings(path: Path | None = None) -> list[dict]:
    """The ``meetings:`` list of the demo file (or of ``path``)."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("cspkit.web").joinpath("demo_data", DEMO_FILE).read_text("utf-8")
    return yaml.safe_load(text).get("meetings") or []


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def load_meetings(partnership, meetings: list[dict]) -> list[BoardMeeting]:
    """Create or update each meeting by its date (title, venue) and replace its agenda."""
    decisions = {d.value for d in Decision}
    loaded = []
    with transaction.atomic():
        for entry in meetings:
            day = _day(entry["date"])
            meeting = (
                BoardMeeting.objects.filter(partnership=partnership, date=day)
                .order_by("pk")
                .first()
            )
            if meeting is None:
                meeting = BoardMeeting(partnership=partnership, date=day)
            if entry.get("title"):
                meeting.title = entry["title"]
            meeting.venue = entry.get("venue") or ""
            meeting.save()
            AgendaItem.objects.filter(meeting=meeting).delete()
            items = []
            for position, item in enumerate(entry.get("items") or [], start=1):
                decision = (item.get("decision") or "").strip()
                if decision and decision not in decisions:
                    raise ValueError(
                        f"meeting {day}: agenda item {item.get('title')!r} has issue type "
                        f"{decision!r}; expected one of {', '.join(sorted(decisions))} or blank"
                    )
                items.append(
                    AgendaItem(
                        meeting=meeting,
                        position=position,
                        title=" ".join(str(item["title"]).split()),
                        theme=" ".join(str(item.get("theme") or "").split()),
                        owner=" ".join(str(item.get("owner") or "").split()),
                        decision=decision,
                    )
                )
            AgendaItem.objects.bulk_create(items)
            loaded.append(meeting)
    return loaded


def load_demo(partnership, admin_user=None, path: Path | None = None) -> list[BoardMeeting]:
    """Load the demo forward plan for ``partnership`` (idempotent)."""
    return load_meetings(partnership, demo_meetings(path))
