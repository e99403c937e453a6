"""Administration pages for indicators (administrators: ``manage_indicators``) and returns.

Indicators are audited like every other record (:class:`AuditedAdmin`). Returns are read-only
here: they are entered and changed on the indicator pages or by upload, which check the
figures and record each change with its author; they are never deleted.
"""

from __future__ import annotations

from django.contrib import admin

from cspkit.web.kpis import models
from cspkit.web.plan import permissions
from cspkit.web.plan.admin import AuditedAdmin, ReadOnlyAdmin
from cspkit.web.plan.models import Action, Objective, Organisation, Partnership


class IndicatorAdmin(AuditedAdmin):
    list_display = ("code", "name", "owner", "frequency", "measure", "sensitive", "active")
    list_filter = ("owner", "frequency", "measure", "sensitive", "active")
    search_fields = ("code", "name", "definition")
    filter_horizontal = ("objectives", "actions")
    fieldsets = (
        (None, {"fields": ("partnership", "code", "name", "owner", "active")}),
        ("The figure", {"fields": ("unit", "measure", "polarity", "frequency", "sensitive")}),
        (
            "Target and baseline",
            {
                "fields": (
                    "target_value",
                    "target_kind",
                    "target_periods",
                    "target_year",
                    "target_text",
                    "tolerance_percent",
                    "baseline_value",
                    "baseline_period",
                    "baseline_text",
                )
            },
        ),
        ("Returns", {"fields": ("reporting_from", "returns_due_days")}),
        ("Definition and links", {"fields": ("definition", "source", "objectives", "actions")}),
    )

    def _may(self, request) -> bool:
        return permissions.can(request.user, "manage_indicators")

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return self._may(request) and (obj is None or not obj.returns.exists())

    def get_queryset(self, request):
        partnership = permissions.partnership_of(request.user)
        return super().get_queryset(request).filter(partnership=partnership)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        partnership = permissions.partnership_of(request.user)
        if db_field.name == "owner":
            kwargs["queryset"] = Organisation.objects.filter(partnership=partnership)
        elif db_field.name == "partnership":
            kwargs["queryset"] = Partnership.objects.filter(pk=getattr(partnership, "pk", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        partnership = permissions.partnership_of(request.user)
        if db_field.name == "objectives":
            kwargs["queryset"] = Objective.objects.filter(strategy__partnership=partnership)
        elif db_field.name == "actions":
            kwargs["queryset"] = Action.objects.filter(plan__partnership=partnership)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReturnAdmin(ReadOnlyAdmin):
    list_display = ("indicator", "period", "value", "entered_by", "entered_at", "version")
    list_filter = ("indicator__owner", "indicator")
    search_fields = ("indicator__name", "indicator__code", "period", "note")

    def get_queryset(self, request):
        partnership = permissions.partnership_of(request.user)
        return super().get_queryset(request).filter(indicator__partnership=partnership)


admin.site.register(models.Indicator, IndicatorAdmin)
admin.site.register(models.Return, ReturnAdmin)
