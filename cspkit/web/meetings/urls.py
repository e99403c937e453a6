from django.urls import path

from cspkit.web.meetings import views

urlpatterns = [
    path("", views.index, name="meeting_list"),
    path("<int:pk>/", views.detail, name="meeting"),
    path("<int:pk>/build/", views.build, name="meeting_build"),
    path("<int:pk>/pack/<int:pack>.pdf", views.download, name="meeting_pack"),
]
