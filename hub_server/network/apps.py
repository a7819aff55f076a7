from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "hub_server.network"
    label = "network"
    verbose_name = "Network: protocols, formal answers, directory"
