from django import template

from hub_server.portal.catalogue import word
from hub_server.proposals.text import inert, inert_line

register = template.Library()


@register.simple_tag
def t(key: str) -> str:
    return word(key)


@register.filter
def tkey(value: str, prefix: str) -> str:
    """{{ p.status|tkey:"st_" }}: a model value translated through the catalogue."""
    return word(f"{prefix}{value}")


@register.filter
def clean(value: str, limit: int = 2000) -> str:
    """Citizen text, inert and bounded (autoescape still escapes the HTML)."""
    return inert(value or "", int(limit))


@register.filter
def line(value: str, limit: int = 120) -> str:
    return inert_line(value or "", int(limit))
