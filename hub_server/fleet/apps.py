from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "hub_server.fleet"
    verbose_name = "Fleet"

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_delete

        from hub_server.fleet.broker_sync import broker_sync_on_commit
        from hub_server.fleet.models import Bench

        # a bench removed (admin) loses its broker password with the commit, where the hub hands them over
        post_delete.connect(lambda **kwargs: broker_sync_on_commit(), sender=Bench, weak=False,
                            dispatch_uid="fleet-broker-bench-deleted")

        if apps.is_installed("hub_server.fleet_health"):
            from hub_server.fleet.downlink import on_digest_changed
            from hub_server.fleet_health.signals import digest_changed

            digest_changed.connect(on_digest_changed, dispatch_uid="fleet-downlink-digest")
