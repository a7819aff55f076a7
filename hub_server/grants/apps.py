from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "hub_server.grants"
    label = "grants"
    verbose_name = "Grant scheme"
