from django.apps import AppConfig


class LanguagesConfig(AppConfig):
    name = "hub_server.languages"
    verbose_name = "Languages"
