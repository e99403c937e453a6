"""Pages of this app (filled in by its issue)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cspkit.web.plan import permissions


@login_required
def index(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "view_kpis")
    return render(request, "meetings/index.html", {})
