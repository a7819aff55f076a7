from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "hub_server.fleet"
    verbose_name = "Fleet"
