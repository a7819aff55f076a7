from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hub_server.portal"
    verbose_name = "Public portal"
