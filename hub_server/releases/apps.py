from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "hub_server.releases"
    verbose_name = "Releases and rollouts"
