"""Administration pages for meetings: agenda items (with their meeting) and built packs.

The board meeting itself is registered by the plan app (its model lives there); this adds
the agenda as an inline of it and lists built packs read-only. Access follows
``manage_records`` like every administration page, and saves are audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from cspkit.web.meetings.models import AgendaItem, MeetingPack
from cspkit.web.plan import models as plan_models
from cspkit.web.plan import permissions
from cspkit.web.plan.admin import AuditedAdmin, BoardMeetingAdmin, ReadOnlyAdmin, _plain
from cspkit.web.plan.audit import record


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ("position", "title", "theme", "owner", "decision")

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, "manage_records")

    has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: permissions.can(request.user, "manage_records")
    )


class MeetingWithAgendaAdmin(BoardMeetingAdmin):
    list_display = ("date", "title", "venue", "agenda_items")
    fields = ("partnership", "date", "title", "venue")
    inlines = [AgendaItemInline]
    date_hierarchy = "date"

    @admin.display(description="Agenda items")
    def agenda_items(self, obj):
        return obj.agenda.count()

    def save_formset(self, request, form, formset, change):
        """Agenda items edited inline are audited like any other record."""
        partnership = permissions.partnership_of(request.user)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            record(request.user, "delete", obj, _plain(obj), {}, partnership=partnership)
            obj.delete()
        for obj in instances:
            before = _plain(type(obj).objects.get(pk=obj.pk)) if obj.pk else {}
            obj.save()
            verb = "update" if before else "create"
            record(request.user, verb, obj, before, _plain(obj), partnership=partnership)
        formset.save_m2m()


admin.site.unregister(plan_models.BoardMeeting)
admin.site.register(plan_models.BoardMeeting, MeetingWithAgendaAdmin)


@admin.register(AgendaItem)
class AgendaItemAdmin(AuditedAdmin):
    list_display = ("meeting", "position", "title", "owner", "decision")
    list_filter = ("decision", "meeting")
    search_fields = ("title", "owner", "theme")


@admin.register(MeetingPack)
class MeetingPackAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "built_at", "built_by", "pages", "period_last", "download")
    exclude = ("pdf",)

    @admin.display(description="PDF")
    def download(self, obj):
        from django.urls import reverse

        url = reverse("meeting_pack", args=[obj.meeting_id, obj.pk])
        return format_html('<a href="{}">Download</a>', url)
