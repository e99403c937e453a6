from django.urls import path

from cspkit.web.kpis import views, views_returns

urlpatterns = [
    path("", views.index, name="kpi_list"),
    path("late/", views.late, name="kpi_late"),
    path("returns/", views_returns.returns_due, name="kpi_returns"),
    path(
        "returns/template.csv",
        views_returns.return_template,
        {"fmt": "csv"},
        name="kpi_template_csv",
    ),
    path(
        "returns/template.xlsx",
        views_returns.return_template,
        {"fmt": "xlsx"},
        name="kpi_template_xlsx",
    ),
    path("returns/upload/", views_returns.upload, name="kpi_upload"),
    path("<slug:code>/", views.indicator_detail, name="kpi_detail"),
]
