from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "hub_server.api"
    verbose_name = "API"
