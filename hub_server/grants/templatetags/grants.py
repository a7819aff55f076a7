from django import template
from django.utils.translation import get_language

from hub_server.grants.money import format_bam
from hub_server.grants.selectors import funded_projects_for_idea

register = template.Library()


@register.filter
def bam(value) -> str:
    """{{ amount|bam }}: BAM (KM) with the EUR equivalent, formatted for the reader's language."""
    return format_bam(value, get_language() or "bs")


@register.simple_tag
def funded_projects_of(proposal) -> list:
    """{% funded_projects_of p as projects %}: awarded grant projects that answer this idea."""
    return list(funded_projects_for_idea(proposal_id=proposal.pk))


@register.filter
def name_in_language(thing) -> str:
    return thing.name_in(get_language() or "bs")


@register.filter
def title_in_language(thing) -> str:
    return thing.title_in(get_language() or "bs")
