from django.urls import include, path

from cspkit.web.plan import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("plan/actions/<int:pk>/", views.action_detail, name="action"),
    path("plan/actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("my-actions/", views.my_actions, name="my_actions"),
    path("board/", views.board, name="board"),
    path("strategy/", views.strategy, name="strategy"),
    path("audit/", views.audit_log, name="audit"),
    path("", include("cspkit.web.plan.urls_xlsx")),  # plan_export, plan_import
]
