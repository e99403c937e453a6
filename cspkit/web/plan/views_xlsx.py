"""Download the action plan as the VRU spreadsheet, and import one (administrators).

An import reads the whole workbook first (:func:`vru_xlsx.read_workbook`); a file with any
problem is shown back as a table of problems (status 400) and nothing is saved. Only a
clean file is applied, in one transaction, as the signed-in administrator.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cspkit.web.plan import permissions
from cspkit.web.plan.models import ActionPlan
from cspkit.web.plan.plan_io import plan_data
from cspkit.web.plan.vru_xlsx import (
    XLSX_CONTENT_TYPE,
    WorkbookErrors,
    export_filename,
    import_workbook,
    workbook_bytes,
)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload the action plan spreadsheet",
        help_text="An Excel workbook (.xlsx) in the VRU template's layout, "
        "such as one downloaded from this app. Up to 10 MB.",
        error_messages={
            "required": "Select the spreadsheet (.xlsx) to import",
            "empty": "The selected file is empty",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 10 MB")
        return upload


def _partnership(request: HttpRequest, permission: str):
    permissions.require(request.user, permission)
    partnership = permissions.partnership_of(request.user)
    if partnership is None:
        raise PermissionDenied("Your account is not part of a partnership.")
    return partnership


@login_required
def plan_export(request: HttpRequest) -> HttpResponse:
    """The current plan (or ``?year=2023/24``) as an XLSX download."""
    partnership = _partnership(request, "export_plan")
    plans = ActionPlan.objects.filter(partnership=partnership)
    if request.GET.get("year"):
        plans = plans.filter(year=request.GET["year"])
    plan = plans.order_by("-year", "-pk").first()
    if plan is None:
        raise Http404("Your partnership has no action plan to download.")
    data = plan_data(plan)
    response = HttpResponse(workbook_bytes(data), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(data)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def plan_import(request: HttpRequest) -> HttpResponse:
    partnership = _partnership(request, "import_plan")
    context: dict = {"problems": None, "result": None, "source_name": ""}
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            context["source_name"] = upload.name
            try:
                context["result"] = import_workbook(
                    upload, source_name=upload.name, partnership=partnership, user=request.user
                )
            except WorkbookErrors as exc:
                context["problems"] = exc.problems
                status = 400
            else:
                form = ImportForm()
        else:
            status = 400
    else:
        form = ImportForm()
    context["form"] = form
    context["current"] = (
        ActionPlan.objects.filter(partnership=partnership).order_by("-year", "-pk").first()
    )
    return render(request, "plan/import.html", context, status=status)
