from django.core.management.base import BaseCommand

from hub_server.membership.selectors import municipality_choices
from hub_server.membership.services import municipality_ensure
from hub_server.network.model_protocol import model_texts
from hub_server.network.protocol_services import current_version, protocol_publish


class Command(BaseCommand):
    help = ("Publish the network's model protocol (version 1, five languages) for every municipality the hub "
            "knows that has none yet; prints the municipalities it published for.")

    def handle(self, *args, **opts):
        for name in municipality_choices():
            municipality = municipality_ensure(name=name)
            if current_version(municipality=municipality) is None:
                protocol_publish(municipality=municipality, texts=model_texts(municipality=name), by=None,
                                 changes="Model protocol")
                self.stdout.write(name)
