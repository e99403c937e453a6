"""Role x page/action x expected status: the matrix that catches a view which forgot to check.

Expected statuses are written out by hand from the issue's rules (administrators: everything;
editors: their own organisation's actions; viewers: read), not derived from permissions.py.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cspkit.web.plan import permissions
from cspkit.web.plan.models import Action, Organisation, Partnership, Person, Role

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "admin", "police_editor", "cyps_editor", "viewer", "no_person", "outsider")


@pytest.fixture
def users(demo):
    User = get_user_model()
    other = Partnership.objects.create(name="Elsewhere Partnership", area="Elsewhere")
    org = Organisation.objects.create(partnership=other, short_name="Police", name="Other police")
    outsider = User.objects.create_user("outsider", password="x-pw-123456")
    Person.objects.create(user=outsider, organisation=org, role=Role.ADMIN, name="Outsider")
    return {
        "anonymous": None,
        "admin": demo.admin,
        "police_editor": demo.police_editor,
        "cyps_editor": demo.cyps_editor,
        "viewer": demo.viewer,
        "no_person": User.objects.create_user("loner", password="x-pw-123456"),
        "outsider": outsider,
    }


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


# Pages every partnership member may read; 302 = sent to sign in; 403 = no partnership.
READ_PAGES = ("home", "plan", "my_actions", "board", "strategy")
READ_EXPECTED = {
    "anonymous": 302,
    "admin": 200,
    "police_editor": 200,
    "cyps_editor": 200,
    "viewer": 200,
    "no_person": 403,
    "outsider": 200,  # the outsider reads their own (empty) partnership
}


@pytest.mark.parametrize("page", READ_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_read_pages(client, users, page, role):
    response = _client(client, users[role]).get(reverse(page))
    assert response.status_code == READ_EXPECTED[role]
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))


# (view name, which action, method) -> expected status per role.
ACTION_MATRIX = {
    ("action", "police", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "cyps_editor": 200,
        "viewer": 200,
        "no_person": 404,
        "outsider": 404,
    },
    ("action_edit", "police", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "cyps_editor": 403,
        "viewer": 403,
        "no_person": 404,
        "outsider": 404,
    },
    ("action_edit", "other", "GET"): {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 403,
        "cyps_editor": 200,
        "viewer": 403,
        "no_person": 404,
        "outsider": 404,
    },
    ("action", "police", "POST"): {  # add a progress update
        "anonymous": 302,
        "admin": 302,
        "police_editor": 302,
        "cyps_editor": 403,
        "viewer": 403,
        "no_person": 404,
        "outsider": 404,
    },
    ("action", "other", "POST"): {
        "anonymous": 302,
        "admin": 302,
        "police_editor": 403,
        "cyps_editor": 302,
        "viewer": 403,
        "no_person": 404,
        "outsider": 404,
    },
}


@pytest.mark.parametrize("key", list(ACTION_MATRIX), ids=lambda k: "-".join(k))
@pytest.mark.parametrize("role", ROLES)
def test_action_matrix(client, demo, users, key, role):
    view, which, method = key
    action = demo.police_action if which == "police" else demo.other_action
    if which == "other":
        assert "CYPS" in action.rows.values_list("lead_organisations__short_name", flat=True)
    url = reverse(view, args=[action.pk])
    c = _client(client, users[role])
    before = action.updates.count()
    if method == "GET":
        response = c.get(url)
    else:
        response = c.post(url, {"text": "Met the ward panel.", "progress": "", "rag": ""})
    expected = ACTION_MATRIX[key][role]
    assert response.status_code == expected, response.content[:300]
    if method == "POST":
        # A refused update leaves no trace; an accepted one is stored with its author.
        assert action.updates.count() == before + (1 if expected == 302 and users[role] else 0)


ADMIN_PAGES = {
    "plan_export": {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 200,
        "cyps_editor": 200,
        "viewer": 200,
        "no_person": 403,
        "outsider": 404,
    },
    "plan_import": {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 403,
        "cyps_editor": 403,
        "viewer": 403,
        "no_person": 403,
        "outsider": 200,
    },
    "audit": {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 403,
        "cyps_editor": 403,
        "viewer": 403,
        "no_person": 403,
        "outsider": 200,
    },
    "admin:index": {
        "anonymous": 302,
        "admin": 200,
        "police_editor": 302,
        "cyps_editor": 302,
        "viewer": 302,
        "no_person": 302,
        "outsider": 200,
    },
}


@pytest.mark.parametrize("page", list(ADMIN_PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_admin_pages(client, users, page, role):
    response = _client(client, users[role]).get(reverse(page))
    assert response.status_code == ADMIN_PAGES[page][role]


def test_edit_post_refused_for_viewer_changes_nothing(client, demo):
    action = demo.police_action
    client.force_login(demo.viewer)
    response = client.post(
        reverse("action_edit", args=[action.pk]),
        {"version": action.version, "progress": "complete", "rag": "green"},
    )
    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.progress, action.rag) == ("", "")


def test_lists_show_only_what_the_user_may_see(client, demo, users):
    """The plan lists every Barnet action for Barnet members, none for the outsider."""
    total = Action.objects.filter(plan__partnership=demo.partnership).count()
    for role in ("admin", "viewer", "police_editor"):
        client.force_login(users[role])
        assert client.get(reverse("plan")).context["count"] == total
    client.force_login(users["outsider"])
    assert client.get(reverse("plan")).context["count"] == 0


def test_update_links_only_on_editable_actions(client, demo):
    """The police editor's plan offers "Update" links exactly for Police-led actions."""
    client.force_login(demo.police_editor)
    editable = client.get(reverse("plan")).context["editable"]
    police_led = set(
        Action.objects.filter(rows__lead_organisations__short_name="Police").values_list(
            "pk", flat=True
        )
    )
    assert editable == police_led and demo.police_action.pk in editable
    client.force_login(demo.viewer)
    assert client.get(reverse("plan")).context["editable"] == set()


def test_every_permission_has_a_description_and_known_roles():
    for name, rule in permissions.PERMISSIONS.items():
        assert rule.name == name and rule.description
        assert rule.roles <= {Role.ADMIN, Role.EDITOR, Role.VIEWER}


def test_passwords_are_hashed(demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    user = demo.police_editor
    assert user.password.startswith("pbkdf2_sha256$")  # Django's default, salted, iterated
    assert "demo-police-2024" not in user.password
    assert user.check_password("demo-police-2024") and not user.check_password("demo-police")


def test_csrf_is_enforced(demo):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(demo.police_editor)
    response = strict.post(reverse("action", args=[demo.police_action.pk]), {"text": "x"})
    assert response.status_code == 403
    assert demo.police_action.updates.count() == 0


def test_login_throttling_locks_after_five_failures(client, demo):
    """django-axes: the fifth wrong password locks that username from that address."""
    login = reverse("login")
    right = {"username": "cyps.editor", "password": "cyps.editor-pw-1"}
    wrong = {"username": "cyps.editor", "password": "wrong"}
    for _ in range(4):
        response = client.post(login, wrong, REMOTE_ADDR="10.0.0.9")
        assert response.status_code == 200 and b"is not right" in response.content
    response = client.post(login, wrong, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and b"Too many sign-in attempts" in response.content
    # Locked: even the right password is refused from that address ...
    assert client.post(login, right, REMOTE_ADDR="10.0.0.9").status_code == 429
    # ... but the same user from another address signs in.
    assert client.post(login, right, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_administration_pages_show_only_the_admins_partnership(client, users):
    client.force_login(users["admin"])
    listing = client.get(reverse("admin:plan_organisation_changelist"))
    assert listing.status_code == 200
    names = {o.name for o in listing.context["cl"].result_list}
    assert "Other police" not in names and "Metropolitan Police Service, North West BCU" in names
    other = Organisation.objects.get(name="Other police")
    url = reverse("admin:plan_organisation_change", args=[other.pk])
    assert client.get(url).status_code == 302  # "doesn't exist" -> back to the list
    people = client.get(reverse("admin:auth_user_changelist")).context["cl"].result_list
    assert "outsider" not in {u.username for u in people}


def test_a_partnership_administrator_cannot_grant_superuser(client, demo):
    client.force_login(demo.admin)
    user = demo.viewer
    page = client.get(reverse("admin:auth_user_change", args=[user.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
