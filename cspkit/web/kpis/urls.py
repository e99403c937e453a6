from django.urls import path

from cspkit.web.kpis import views

urlpatterns = [
    path("", views.index, name="kpi_list"),
]
