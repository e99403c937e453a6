"""Fixtures for the web app: the Barnet demo plan, the three demo accounts, and more roles.

pytest-django gives each test a clean database (SQLite in memory, or the PostgreSQL server
named by CSPKIT_DATABASE_URL in the PostgreSQL lane).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model

from cspkit.web.plan.models import Action, Organisation, Partnership, Person, Role


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Pages are computed afresh in tests (test_plan checks the cache on its own)."""
    settings.CSPKIT_PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 is slow on purpose; tests that sign in many times use a fast hasher."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        # the demo accounts loaded once per session were hashed with Django's default
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@dataclass
class Demo:
    partnership: Partnership
    admin: object
    police_editor: object
    viewer: object
    cyps_editor: object
    police_action: Action  # led by Police only
    other_action: Action  # not led by Police


def make_user(username: str, organisation: Organisation, role: str, name: str | None = None):
    user = get_user_model().objects.create_user(username=username, password=f"{username}-pw-1")
    Person.objects.create(
        user=user, organisation=organisation, role=role, name=name or username.title()
    )
    return user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the Barnet demo once into the test database; each ``db`` test rolls back to it.

    Transactional tests (``transactional_db``, ``live_server``: the browser tests) run last
    and empty the tables afterwards, so they load the demo themselves (``load_demo()``).
    """
    from cspkit.web.plan.demo import load_demo

    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(db) -> Demo:
    from cspkit.web.plan.models import ActionPlan

    if not ActionPlan.objects.exists():  # a transactional test emptied the tables
        from cspkit.web.plan.demo import load_demo

        load_demo()
    partnership = Partnership.objects.get(name="Barnet Safer Communities Partnership")
    users = {p.user.username: p.user for p in Person.objects.select_related("user")}
    cyps = Organisation.objects.get(partnership=partnership, short_name="CYPS")
    police = Organisation.objects.get(partnership=partnership, short_name="Police")
    police_led = [
        a
        for a in Action.objects.filter(rows__lead_organisations=police).distinct()
        if set(a.rows.values_list("lead_organisations__short_name", flat=True)) == {"Police"}
    ]
    other = (
        Action.objects.filter(rows__lead_organisations=cyps)
        .exclude(rows__lead_organisations=police)
        .order_by("pk")
        .first()
    )
    return Demo(
        partnership=partnership,
        admin=users["admin"],
        police_editor=users["police.editor"],
        viewer=users["viewer"],
        cyps_editor=make_user("cyps.editor", cyps, Role.EDITOR, "CYPS Editor"),
        police_action=police_led[0],
        other_action=other,
    )


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per browser-test module (see tests/web/browsing.py)."""
    from .browsing import launch

    with launch() as chromium:
        yield chromium
