from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cspkit.web.meetings"
    label = "meetings"
    verbose_name = "Board meetings and packs"
