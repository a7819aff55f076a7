from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "hub_server.fleet"
    verbose_name = "Fleet"

    def ready(self):
        from django.apps import apps

        if apps.is_installed("hub_server.fleet_health"):
            from hub_server.fleet.downlink import on_digest_changed
            from hub_server.fleet_health.signals import digest_changed

            digest_changed.connect(on_digest_changed, dispatch_uid="fleet-downlink-digest")
