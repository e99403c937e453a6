"""The board meeting pack: one document with everything the Board reads before a meeting.

A pack is the meeting (partnership, title, date, venue, agenda), the Performance Dashboard
for the latest complete quarter (or why there is none), the action plan's progress since
the last meeting and the partner indicators. This module only assembles and checks those
parts; the web app (cspkit.web.meetings) reads them from its records, and
:mod:`cspkit.render.pack` prints them as one PDF. Pure: no Django, no I/O.

Action plan statuses travel as machine names - RAG ``"red"``, ``"amber"``, ``"green"`` or
``""`` (not rated) and stage ``"not_started"``, ``"planning"``, ``"delivery"``,
``"complete"`` or ``""`` (not recorded) - and the renderer turns them into words
(:data:`RAG_WORDS`, :data:`STAGE_WORDS`); ``ActionLine.stage`` is already words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cspkit.products.models import DashboardReport
from cspkit.products.partner_kpis import PartnerIndicatorReport

RAG_KEYS = ("red", "amber", "green", "")
STAGE_KEYS = ("not_started", "planning", "delivery", "complete", "")
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "": "Not rated"}
RAG_MEANING = {  # the action plan template's meaning of each Risk RAG status
    "red": "Serious barriers to progress",
    "amber": "Some minor barriers",
    "green": "Progressing well",
    "": "Not rated",
}
STAGE_WORDS = {
    "not_started": "Not started",
    "planning": "Planning",
    "delivery": "Implementation/delivery",
    "complete": "Complete",
    "": "Not recorded",
}
NO_DASHBOARD_NOTE = (
    "No police data has been loaded, so this pack has no Performance Dashboard: load the "
    "MPS files with `cspkit ingest` and build the pack again."
)


def _check_keys(what: str, counts: dict[str, int], allowed: tuple[str, ...]) -> dict[str, int]:
    unknown = [k for k in counts if k not in allowed]
    if unknown:
        raise ValueError(
            f"{what} keys are the machine names {', '.join(repr(k) for k in allowed)}, not "
            f"{', '.join(repr(k) for k in unknown)}: pass the stored value (e.g. 'red', "
            "'not_started'), not its label - the pack prints the words"
        )
    bad = {k: n for k, n in counts.items() if isinstance(n, bool) or not isinstance(n, int)}
    if bad or any(n < 0 for n in counts.values()):
        raise ValueError(f"{what} counts must be whole numbers, 0 or more: {counts!r}")
    return {k: counts.get(k, 0) for k in allowed}


@dataclass(frozen=True)
class AgendaLine:
    title: str
    theme: str
    owner: str
    decision: str  # "Key", "Non-Key", "Urgent" or ""


@dataclass(frozen=True)
class ActionLine:
    label: str  # "1.2"
    text: str
    theme: str
    end: date | None  # the delivery date
    stage: str  # in words: "Implementation/delivery"
    rag: str  # "green" | "amber" | "red" | "" (not rated)

    def __post_init__(self) -> None:
        if self.rag not in RAG_KEYS:
            raise ValueError(
                f"action {self.label}: rag is one of 'red', 'amber', 'green' or '' (not "
                f"rated), not {self.rag!r}"
            )


@dataclass(frozen=True)
class ChangeLine:
    label: str  # the action's label
    when: date  # a date, or a datetime when the time is known
    who: str
    what: str


@dataclass(frozen=True)
class ThemeProgress:
    """One theme's actions counted by RAG and by stage (every key present, 0 if none)."""

    name: str
    total: int
    rag: dict[str, int]  # keys RAG_KEYS
    stage: dict[str, int]  # keys STAGE_KEYS
    overdue: int

    def __post_init__(self) -> None:
        rag = _check_keys(f"theme {self.name!r}: rag", dict(self.rag), RAG_KEYS)
        stage = _check_keys(f"theme {self.name!r}: stage", dict(self.stage), STAGE_KEYS)
        for what, counts in (("RAG", rag), ("stage", stage)):
            if sum(counts.values()) != self.total:
                raise ValueError(
                    f"theme {self.name!r}: the {what} counts add up to "
                    f"{sum(counts.values())}, not the {self.total} actions of the theme"
                )
        if not 0 <= self.overdue <= self.total:
            raise ValueError(f"theme {self.name!r}: {self.overdue} overdue of {self.total} actions")
        object.__setattr__(self, "rag", rag)
        object.__setattr__(self, "stage", stage)


@dataclass
class PlanProgress:
    plan_title: str
    as_of: date
    since: date | None  # the last meeting (None: no earlier meeting)
    themes: list[ThemeProgress]
    overdue: list[ActionLine]
    not_updated: list[ActionLine]
    changes: list[ChangeLine]

    @property
    def totals(self) -> ThemeProgress:
        """Every theme added up (a table's last row)."""
        return ThemeProgress(
            name="All themes",
            total=sum(t.total for t in self.themes),
            rag={k: sum(t.rag[k] for t in self.themes) for k in RAG_KEYS},
            stage={k: sum(t.stage[k] for t in self.themes) for k in STAGE_KEYS},
            overdue=sum(t.overdue for t in self.themes),
        )


@dataclass
class MeetingPack:
    partnership: str
    title: str
    meeting_date: date
    venue: str
    agenda: list[AgendaLine]
    dashboard: DashboardReport | None
    dashboard_note: str  # why there is no dashboard ("" when there is one)
    plan: PlanProgress | None
    kpis: list[PartnerIndicatorReport]
    generated_at: datetime


def latest_complete_quarter(meeting_date: date) -> tuple[date, date]:
    """The last calendar quarter that ended before the meeting: (first day, last day).

    A meeting on 1 March 2024 gets October to December 2023; one on 1 April 2024 gets
    January to March 2024 (31 March has ended); one on 31 March 2024 still October to
    December 2023. Calendar quarters are also financial quarters (Q3 = October-December).
    """
    this_quarter = date(meeting_date.year, 3 * ((meeting_date.month - 1) // 3) + 1, 1)
    last = this_quarter - timedelta(days=1)
    first = date(last.year, last.month - 2, 1)
    return first, last


def meeting_pack(
    partnership: str,
    title: str,
    meeting_date: date,
    *,
    venue: str = "",
    agenda: Sequence[AgendaLine] = (),
    dashboard: DashboardReport | None = None,
    dashboard_note: str = "",
    plan: PlanProgress | None = None,
    kpis: Sequence[PartnerIndicatorReport] = (),
    generated_at: datetime | None = None,
) -> MeetingPack:
    """Assemble a meeting's pack.

    The partner indicators go into the pack's KPI summary and, when there is a dashboard,
    onto its partner pages too (a copy of ``dashboard`` with ``partner_indicators`` set;
    the report passed in is left as it is). Without a dashboard, ``dashboard_note`` says
    why (a default note is used when it is empty).
    """
    if not partnership.strip() or not title.strip():
        raise ValueError("a meeting pack needs the partnership's name and the meeting's title")
    kpis = list(kpis)
    if dashboard is not None:
        dashboard = dataclasses.replace(dashboard, partner_indicators=kpis)
        dashboard_note = ""
    elif not dashboard_note.strip():
        dashboard_note = NO_DASHBOARD_NOTE
    return MeetingPack(
        partnership=partnership,
        title=title,
        meeting_date=meeting_date,
        venue=venue,
        agenda=list(agenda),
        dashboard=dashboard,
        dashboard_note=dashboard_note,
        plan=plan,
        kpis=kpis,
        generated_at=generated_at or datetime.now().replace(microsecond=0),
    )
