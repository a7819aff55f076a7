from django import template

from hub_server.network.directory_selectors import action_partners as _action_partners

register = template.Library()


@register.simple_tag
def action_partners(action) -> list:
    """{% action_partners a as partners %}: the organisations that joined an action (for its public page)."""
    return list(_action_partners(action=action))


@register.simple_tag
def forwarding_of(proposal):
    """{% forwarding_of p as f %}: what the municipality did with a forwarded idea (None if not forwarded)."""
    from hub_server.network.selectors import public_forwardings
    return public_forwardings().filter(proposal_id=proposal.pk).first()
