from django import template

from hub_server.network.directory_selectors import action_partners as _action_partners

register = template.Library()


@register.simple_tag
def action_partners(action) -> list:
    """{% action_partners a as partners %}: the organisations that joined an action (for its public page)."""
    return list(_action_partners(action=action))
