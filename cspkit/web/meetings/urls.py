from django.urls import path

from cspkit.web.meetings import views

urlpatterns = [
    path("", views.index, name="meeting_list"),
]
