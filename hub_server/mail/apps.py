from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "hub_server.mail"
    verbose_name = "Outgoing mail"
