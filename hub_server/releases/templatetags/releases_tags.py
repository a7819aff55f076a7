from django import template

from hub_server.releases.selectors import fleet_updates as select_fleet_updates

register = template.Library()


@register.inclusion_tag("releases/_fleet_updates.html")
def fleet_updates():
    """The dashboard's updates section: {% load releases_tags %}{% fleet_updates %}."""
    return select_fleet_updates()
