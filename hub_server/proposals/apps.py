from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "hub_server.proposals"
    verbose_name = "Proposals"
