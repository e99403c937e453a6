"""Template context: the signed-in person's role and what they may do, for the navigation."""

from cspkit.web.plan import permissions


def membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "person": permissions.person_of(user),
        "role": permissions.role_of(user),
        "may": {
            name: permissions.can(user, name)
            for name in permissions.PERMISSIONS
            if not permissions.PERMISSIONS[name].own_organisation_only
        },
    }
