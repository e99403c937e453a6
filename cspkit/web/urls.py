"""Top-level URLs: the plan app, sign-in/out, and Django's admin for administrators."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

admin.site.site_header = "cspkit administration"
admin.site.site_title = "cspkit"

urlpatterns = [
    path("sign-in/", auth_views.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("kpis/", include("cspkit.web.kpis.urls")),
    path("meetings/", include("cspkit.web.meetings.urls")),
    path("", include("cspkit.web.plan.urls")),
]
