from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "cspkit.web.kpis"
    label = "kpis"
    verbose_name = "Partner indicators and returns"
