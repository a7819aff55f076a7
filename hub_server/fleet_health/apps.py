from django.apps import AppConfig


class FleetHealthConfig(AppConfig):
    name = "hub_server.fleet_health"
    verbose_name = "Fleet health"
