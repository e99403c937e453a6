"""The VRU spreadsheet's two pages; included by :mod:`cspkit.web.plan.urls`."""

from django.urls import path

from cspkit.web.plan import views_xlsx

urlpatterns = [
    path("plan/export.xlsx", views_xlsx.plan_export, name="plan_export"),
    path("plan/import/", views_xlsx.plan_import, name="plan_import"),
]
