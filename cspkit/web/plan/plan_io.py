"""The action plan as plain data (the schema of ``demo_data/barnet_2023_24.yaml``), both ways.

Every door into the plan speaks this one shape: the demo loads a YAML file of it, the VRU
spreadsheet import parses a workbook into it, the export writes a workbook from it. So a
round trip (export, import) is lossless exactly when ``plan_data(apply_plan_data(d)) == d``
for the plan part, which the tests check.

Months are ``YYYY-MM`` strings in the data (the template's ``Jan-24``); a start month is
stored as its first day and an end month as its last day. A full date (``YYYY-MM-DD``) is
kept as that date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from cspkit.web.plan.audit import action_snapshot, record
from cspkit.web.plan.models import (
    Action,
    ActionPlan,
    DeliveryRow,
    EmergingTheme,
    LeadershipRole,
    Objective,
    OptionalAction,
    Organisation,
    Partnership,
    Recommendation,
    Strategy,
    Theme,
    VruOutcome,
    month_end,
    month_start,
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Only commas and semicolons separate organisations: "Early Help & Prevention" is one.
_SPLIT_ORGS = re.compile(r"\s*[,;]\s*")


class PlanDataError(ValueError):
    """The plan data refers to something it does not define (a theme, outcome, objective)."""


@dataclass
class ImportResult:
    plan: ActionPlan
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)


def parse_month(text: str, *, end: bool) -> date | None:
    text = str(text or "").strip()
    if not text:
        return None
    if m := _DAY.match(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        return month_end(year, month) if end else month_start(year, month)
    raise PlanDataError(f"not a month (YYYY-MM) or date (YYYY-MM-DD): {text!r}")


def format_month(value: date | None, *, end: bool) -> str:
    """Back to the data's text: ``YYYY-MM`` when the date is the month's first/last day."""
    if value is None:
        return ""
    boundary = month_end(value.year, value.month) if end else month_start(value.year, value.month)
    return f"{value:%Y-%m}" if value == boundary else value.isoformat()


def organisation_tokens(text: str) -> list[str]:
    return [t for t in (s.strip() for s in _SPLIT_ORGS.split(text or "")) if t]


class LeadResolver:
    """Turns 'CYPS, VCS' into Organisation records, creating unknown ones (and saying so)."""

    def __init__(self, partnership: Partnership):
        self.partnership = partnership
        self.created: list[str] = []
        self._by_name = {o.short_name.lower(): o for o in partnership.organisation_set.all()}

    def __call__(self, text: str) -> list[Organisation]:
        found = []
        for token in organisation_tokens(text):
            org = self._by_name.get(token.lower())
            if org is None:
                org = Organisation.objects.create(
                    partnership=self.partnership, short_name=token, name=token
                )
                self._by_name[token.lower()] = org
                self.created.append(token)
            found.append(org)
        return found


def apply_plan_data(
    data: dict, *, user=None, partnership: Partnership | None = None
) -> ImportResult:
    """Create or update the partnership, strategy and plan from ``data``; one transaction.

    Actions are matched by (theme number, action number, occurrence) so an action keeps its
    progress updates and history across imports; an existing action the data lacks is
    reported in ``not_in_file`` and left alone (an import never deletes history).
    """
    with transaction.atomic():
        partnership = partnership or _partnership(data["partnership"])
        for org in data.get("organisations", []):
            Organisation.objects.update_or_create(
                partnership=partnership,
                short_name=org["short"],
                defaults={
                    "name": org.get("name") or org["short"],
                    "kind": org.get("kind", "other"),
                },
            )
        strategy = _strategy(partnership, data["strategy"]) if data.get("strategy") else None
        outcomes = _outcomes(data.get("vru_outcomes", []))
        plan_spec = data["plan"]
        plan, _ = ActionPlan.objects.get_or_create(
            partnership=partnership,
            year=str(plan_spec["year"]),
            defaults={"title": plan_spec["title"]},
        )
        plan.title = plan_spec["title"]
        plan.strategy = strategy or plan.strategy
        # A part the data leaves out is left as it is, never emptied.
        if "key_documents" in plan_spec:
            plan.key_documents = "\n".join(plan_spec.get("key_documents") or [])
        plan.save()
        _replace_children(plan, plan_spec)
        themes = _themes(plan, plan_spec.get("themes", []))
        if "optional_actions" in plan_spec:
            _optional_actions(plan, plan_spec["optional_actions"], themes, outcomes)
        resolver = LeadResolver(partnership)
        result = ImportResult(plan=plan)
        _actions(plan, plan_spec.get("actions", []), themes, outcomes, resolver, user, result)
        result.new_organisations = resolver.created
        return result


def _partnership(spec: dict) -> Partnership:
    partnership, _ = Partnership.objects.get_or_create(
        name=spec["name"], defaults={"area": spec.get("area", "")}
    )
    return partnership


def _strategy(partnership: Partnership, spec: dict) -> Strategy:
    strategy, _ = Strategy.objects.update_or_create(
        partnership=partnership,
        title=spec["title"],
        defaults={
            "starts": parse_month(str(spec.get("starts", "")), end=False),
            "ends": parse_month(str(spec.get("ends", "")), end=True),
            "review_due": parse_month(str(spec.get("review_due", "")), end=True),
        },
    )
    for model, key in ((Objective, "objectives"), (Recommendation, "recommendations")):
        for item in spec.get(key, []):
            model.objects.update_or_create(
                strategy=strategy, number=int(item["number"]), defaults={"text": item["text"]}
            )
    return strategy


def _outcomes(names: list[str]) -> dict[str, VruOutcome]:
    found = {}
    for position, name in enumerate(names):
        outcome, _ = VruOutcome.objects.update_or_create(name=name, defaults={"position": position})
        found[name] = outcome
    for outcome in VruOutcome.objects.all():
        found.setdefault(outcome.name, outcome)
    return found


def _replace_children(plan: ActionPlan, spec: dict) -> None:
    if "leadership" in spec:
        _replace_leadership(plan, spec["leadership"])
    if "emerging_themes" in spec:
        _replace_emerging(plan, spec["emerging_themes"])


def _replace_leadership(plan: ActionPlan, items: list[dict]) -> None:
    plan.leadership.all().delete()
    for position, item in enumerate(items):
        LeadershipRole.objects.create(
            plan=plan,
            position=position,
            organisation=item.get("organisation", ""),
            role=item.get("role", ""),
            name=item.get("name", "") or "",
        )


def _replace_emerging(plan: ActionPlan, items: list[dict]) -> None:
    plan.emerging_themes.all().delete()
    for position, item in enumerate(items):
        EmergingTheme.objects.create(
            plan=plan, position=position, name=item["name"], update=item.get("update", "") or ""
        )


def _themes(plan: ActionPlan, specs: list[dict]) -> dict[int, Theme]:
    themes = {t.number: t for t in plan.themes.all()}
    for spec in specs:
        number = int(spec["number"])
        theme, _ = Theme.objects.update_or_create(
            plan=plan,
            number=number,
            defaults={"name": spec["name"], "description": spec.get("description", "") or ""},
        )
        themes[number] = theme
    return themes


def _theme(themes: dict[int, Theme], number) -> Theme:
    try:
        return themes[int(number)]
    except (KeyError, ValueError):
        raise PlanDataError(f"theme {number!r} is not one of the plan's themes") from None


def _outcome_list(outcomes: dict[str, VruOutcome], names: list[str]) -> list[VruOutcome]:
    missing = [n for n in names if n not in outcomes]
    if missing:
        raise PlanDataError(f"not in the VRU outcomes list: {', '.join(missing)}")
    return [outcomes[n] for n in names]


def _optional_actions(plan, specs, themes, outcomes) -> None:
    plan.optional_actions.all().delete()
    for position, spec in enumerate(specs):
        item = OptionalAction.objects.create(
            plan=plan,
            position=position,
            theme=_theme(themes, spec["theme"]),
            number=str(spec.get("number", "")),
            text=spec["text"],
        )
        item.vru_outcomes.set(_outcome_list(outcomes, spec.get("vru_outcomes", [])))


def _row_values(spec: dict) -> dict:
    return {
        "local_outcomes": spec.get("local_outcomes", "") or "",
        "named_lead": spec.get("named_lead", "") or "",
        "lead_organisation_text": spec.get("lead_organisation", "") or "",
        "start": parse_month(str(spec.get("start", "") or ""), end=False),
        "end": parse_month(str(spec.get("end", "") or ""), end=True),
        "supporting": spec.get("supporting", "") or "",
        "vru_outcomes_text": spec.get("vru_outcomes_text", "") or "",
        "progress": spec.get("progress", "") or "",
        "comment": spec.get("comment", "") or "",
        "document_refs": spec.get("document_refs", "") or "",
        "rag": spec.get("rag", "") or "",
    }


def _actions(plan, specs, themes, outcomes, resolver, user, result: ImportResult) -> None:
    strategy = plan.strategy
    objectives = {o.number: o for o in strategy.objectives.all()} if strategy else {}
    recommendations = {r.number: r for r in strategy.recommendations.all()} if strategy else {}
    existing: dict[tuple, list[Action]] = {}
    for action in plan.actions.select_related("theme").order_by("position", "pk"):
        existing.setdefault((action.theme.number, action.number), []).append(action)
    seen: dict[tuple, int] = {}
    matched: set[int] = set()
    for position, spec in enumerate(specs):
        theme = _theme(themes, spec["theme"])
        key = (theme.number, str(spec.get("number", "")))
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        candidates = existing.get(key, [])
        action = candidates[occurrence] if occurrence < len(candidates) else None
        before = action_snapshot(action) if action else {}
        fields = {
            "theme": theme,
            "position": position,
            "number": key[1],
            "ref": spec.get("ref", "") or "",
            "text": spec["text"],
            "progress": spec.get("progress", "") or "",
            "rag": spec.get("rag", "") or "",
            "comment": spec.get("comment", "") or "",
            "document_refs": spec.get("document_refs", "") or "",
        }
        if action is None:
            action = Action.objects.create(plan=plan, updated_by=_user(user), **fields)
        else:
            for name, value in fields.items():
                setattr(action, name, value)
            matched.add(action.pk)
        action.vru_outcomes.set(_outcome_list(outcomes, spec.get("vru_outcomes", [])))
        if "objectives" in spec:
            action.objectives.set([_linked(objectives, n, "objective") for n in spec["objectives"]])
        if "recommendations" in spec:
            action.recommendations.set(
                [_linked(recommendations, n, "recommendation") for n in spec["recommendations"]]
            )
        action.rows.all().delete()
        for row_position, row_spec in enumerate(spec.get("rows", [])):
            row = DeliveryRow.objects.create(
                action=action, position=row_position, **_row_values(row_spec)
            )
            row.lead_organisations.set(resolver(row.lead_organisation_text))
        after = action_snapshot(action)
        if not before:
            result.created.append(action.label)
            record(user, "import", action, {}, after, partnership=plan.partnership, action=action)
        elif before != after:
            action.version += 1
            action.updated_by = _user(user)
            result.updated.append(action.label)
            record(
                user, "import", action, before, after, partnership=plan.partnership, action=action
            )
        else:
            result.unchanged.append(action.label)
        action.save()
    result.not_in_file = [
        a.label for group in existing.values() for a in group if a.pk not in matched
    ]


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _linked(items: dict, number, what: str):
    try:
        return items[int(number)]
    except (KeyError, ValueError):
        raise PlanDataError(f"{what} {number!r} is not in the strategy") from None


def plan_data(plan: ActionPlan) -> dict:
    """The plan (and its strategy) in the interchange shape - what the export writes."""
    strategy = plan.strategy
    partnership = plan.partnership
    data: dict = {
        "partnership": {"name": partnership.name, "area": partnership.area},
        "organisations": [
            {"short": o.short_name, "name": o.name, "kind": o.kind}
            for o in partnership.organisation_set.order_by("short_name")
        ],
        "vru_outcomes": [o.name for o in VruOutcome.objects.order_by("position", "name")],
    }
    if strategy:
        data["strategy"] = {
            "title": strategy.title,
            "starts": strategy.starts.isoformat() if strategy.starts else "",
            "ends": strategy.ends.isoformat() if strategy.ends else "",
            "review_due": strategy.review_due.isoformat() if strategy.review_due else "",
            "objectives": [{"number": o.number, "text": o.text} for o in strategy.objectives.all()],
            "recommendations": [
                {"number": r.number, "text": r.text} for r in strategy.recommendations.all()
            ],
        }
    data["plan"] = {
        "title": plan.title,
        "year": plan.year,
        "leadership": [
            {"organisation": r.organisation, "role": r.role, "name": r.name}
            for r in plan.leadership.all()
        ],
        "key_documents": [line for line in plan.key_documents.splitlines() if line.strip()],
        "themes": [
            {"number": t.number, "name": t.name, "description": t.description}
            for t in plan.themes.all()
        ],
        "emerging_themes": [
            {"name": e.name, "update": e.update} for e in plan.emerging_themes.all()
        ],
        "optional_actions": [
            {
                "theme": o.theme.number,
                "number": o.number,
                "text": o.text,
                "vru_outcomes": [v.name for v in o.vru_outcomes.order_by("position", "name")],
            }
            for o in plan.optional_actions.select_related("theme")
        ],
        "actions": [
            _action_data(a)
            for a in plan.actions.select_related("theme")
            .prefetch_related("vru_outcomes", "objectives", "recommendations", "rows")
            .order_by("position", "pk")
        ],
    }
    return data


def _action_data(action: Action) -> dict:
    return {
        "theme": action.theme.number,
        "number": action.number,
        "ref": action.ref,
        "text": action.text,
        "vru_outcomes": [
            v.name for v in sorted(action.vru_outcomes.all(), key=lambda v: (v.position, v.name))
        ],
        "objectives": sorted(o.number for o in action.objectives.all()),
        "recommendations": sorted(r.number for r in action.recommendations.all()),
        "progress": action.progress,
        "comment": action.comment,
        "document_refs": action.document_refs,
        "rag": action.rag,
        "rows": [
            {
                "local_outcomes": r.local_outcomes,
                "named_lead": r.named_lead,
                "lead_organisation": r.lead_organisation_text,
                "start": format_month(r.start, end=False),
                "end": format_month(r.end, end=True),
                "supporting": r.supporting,
                "vru_outcomes_text": r.vru_outcomes_text,
                "progress": r.progress,
                "comment": r.comment,
                "document_refs": r.document_refs,
                "rag": r.rag,
            }
            for r in sorted(action.rows.all(), key=lambda r: r.position)
        ],
    }
