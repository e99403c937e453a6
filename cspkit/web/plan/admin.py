"""Administration pages (Django admin) for partnership administrators.

Access is decided by :mod:`permissions` ("manage_records"), not by Django's per-model
permission tables, so there is one rule. Every save and delete here is audited with the
record's fields before and after. Progress updates and audit entries are read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.forms.models import model_to_dict

from cspkit.web.plan import models, permissions
from cspkit.web.plan.audit import record


def _plain(obj) -> dict:
    data = model_to_dict(obj)
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v))
        for k, v in data.items()
        if k not in {"password"}
    }


def _path_to_partnership(model, depth: int = 3) -> str | None:
    """The lookup from ``model`` to its Partnership ("plan__partnership"), or None."""
    if model is models.Partnership:
        return "pk"
    fields = [f for f in model._meta.get_fields() if f.many_to_one or f.one_to_one]
    fields = [f for f in fields if f.concrete]
    for field in fields:
        if field.related_model is models.Partnership:
            return field.name
    if depth > 1:
        for field in fields:
            sub = _path_to_partnership(field.related_model, depth - 1)
            if sub:
                return f"{field.name}__{sub}"
    return None


class ManagedByAdministrators:
    """Mixin for any ModelAdmin: the "manage_records" permission decides, and every save and
    delete is audited with the record's fields before and after."""

    def has_module_permission(self, request):
        return permissions.can(request.user, "manage_records")

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: permissions.can(request.user, "manage_records")
    )

    def save_model(self, request, obj, form, change):
        before = _plain(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        record(
            request.user,
            "update" if change else "create",
            obj,
            before,
            _plain(obj),
            partnership=permissions.partnership_of(request.user),
        )

    def delete_model(self, request, obj):
        before = _plain(obj)
        record(
            request.user,
            "delete",
            obj,
            before,
            {},
            partnership=permissions.partnership_of(request.user),
        )
        super().delete_model(request, obj)


class AuditedAdmin(ManagedByAdministrators, admin.ModelAdmin):
    # How each model reaches its partnership, so an administrator sees only their own:
    # "auto" follows foreign keys to the nearest `partnership`; None = shared by all.
    partnership_path: str | None = "auto"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        path = self.partnership_path
        if path == "auto":
            path = _path_to_partnership(self.model)
        if request.user.is_superuser or not path:
            return queryset
        return queryset.filter(**{path: permissions.partnership_of(request.user)})


class ReadOnlyAdmin(AuditedAdmin):
    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: False
    )


@admin.register(models.Partnership)
class PartnershipAdmin(AuditedAdmin):
    list_display = ("name", "area")


@admin.register(models.Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ("short_name", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("short_name", "name")


@admin.register(models.Person)
class PersonAdmin(AuditedAdmin):
    list_display = ("name", "organisation", "role", "user", "email")
    list_filter = ("role", "organisation")
    search_fields = ("name", "email")


class ObjectiveInline(admin.TabularInline):
    model = models.Objective
    extra = 0


class RecommendationInline(admin.TabularInline):
    model = models.Recommendation
    extra = 0


@admin.register(models.Strategy)
class StrategyAdmin(AuditedAdmin):
    inlines = [ObjectiveInline, RecommendationInline]


@admin.register(models.BoardMeeting)
class BoardMeetingAdmin(AuditedAdmin):
    list_display = ("date", "title")


@admin.register(models.VruOutcome)
class VruOutcomeAdmin(AuditedAdmin):
    partnership_path = None  # the VRU's list is London-wide
    list_display = ("name", "position")


@admin.register(models.Theme)
class ThemeAdmin(AuditedAdmin):
    list_display = ("number", "name", "plan")


@admin.register(models.ProgressUpdate)
class ProgressUpdateAdmin(ReadOnlyAdmin):
    list_display = ("action", "author", "created_at", "progress", "rag")


@admin.register(models.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("when", "user", "verb", "model", "object_repr")
    list_filter = ("verb", "model")


class AccountAdmin(ManagedByAdministrators, UserAdmin):
    """User accounts: administrators manage them; passwords are hashed by Django.

    Only a superuser may grant superuser status or Django permissions; a partnership
    administrator sees and manages the accounts of their own partnership's people.
    """

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return (*fields, "is_superuser", "groups", "user_permissions")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        partnership = permissions.partnership_of(request.user)
        # Their partnership's people, and accounts not yet linked to anyone (just created).
        return queryset.filter(
            Q(person__organisation__partnership=partnership) | Q(person__isnull=True)
        ).exclude(is_superuser=True)


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, AccountAdmin)


def _admin_site_permission(request) -> bool:
    return request.user.is_active and permissions.can(request.user, "manage_records")


admin.site.has_permission = _admin_site_permission
