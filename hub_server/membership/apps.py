from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "hub_server.membership"
    verbose_name = "Membership"
