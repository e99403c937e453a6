"""``cspkit web demo``: Barnet's strategy and action plan, and three local demo accounts.

The records come from ``cspkit/web/demo_data/barnet_2023_24.yaml`` (transcribed from the
partnership's published papers). The accounts are for evaluating the app on your own
machine only - their passwords are printed in the README - never for a shared server.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from cspkit.web.plan.models import BoardMeeting, Organisation, Person, Role
from cspkit.web.plan.plan_io import ImportResult, apply_plan_data

DEMO_FILE = "barnet_2023_24.yaml"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    name: str
    organisation: str  # short name
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "demo-admin-2024", "Demo Administrator", "CST", Role.ADMIN),
    DemoAccount("police.editor", "demo-police-2024", "Demo Police Editor", "Police", Role.EDITOR),
    DemoAccount("viewer", "demo-viewer-2024", "Demo Board Member", "CSPB", Role.VIEWER),
)

# Board meetings in the board's Forward Plan July 2023-July 2024 (board pack, 001_...txt).
DEMO_MEETINGS = ("2023-07-21", "2023-11-24", "2024-03-01", "2024-06-07", "2024-09-06")


def demo_data(path: Path | None = None) -> dict:
    if path is not None:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    text = resources.files("cspkit.web").joinpath("demo_data", DEMO_FILE).read_text("utf-8")
    return yaml.safe_load(text)


def load_demo(path: Path | None = None, *, accounts: bool = True) -> ImportResult:
    """Load (or refresh) the demo partnership; idempotent, so running it twice is harmless."""
    data = demo_data(path)
    with transaction.atomic():
        result = apply_plan_data(data)
        partnership = result.plan.partnership
        for day in DEMO_MEETINGS:
            BoardMeeting.objects.get_or_create(partnership=partnership, date=day)
        if accounts:
            create_demo_accounts(partnership)
        # The partner indicators and the meetings' agendas build on the plan's records.
        from django.contrib.auth import get_user_model

        from cspkit.web.kpis.demo import load_demo as load_kpis
        from cspkit.web.meetings.demo import load_demo as load_meetings

        admin = get_user_model().objects.filter(username=DEMO_ACCOUNTS[0].username).first()
        load_kpis(partnership, admin)
        load_meetings(partnership, admin)
    return result


def create_demo_accounts(partnership) -> None:
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        org = Organisation.objects.get(partnership=partnership, short_name=account.organisation)
        user, _ = User.objects.get_or_create(username=account.username)
        user.set_password(account.password)
        user.is_staff = account.role == Role.ADMIN  # administrators may open Django's admin
        user.is_superuser = False
        user.save()
        Person.objects.update_or_create(
            user=user,
            defaults={"name": account.name, "organisation": org, "role": account.role},
        )
