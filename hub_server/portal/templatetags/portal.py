from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hub_server.proposals.models import Action, Proposal
from hub_server.proposals.text import inert, inert_line

register = template.Library()

# What a citizen reads for the states the review UI names in its own words.
_PUBLIC_STATUS = {"new": _("Received, awaiting review"), "hidden": _("Not published")}
# colour family of a status tag (the words carry the meaning; colour only helps)
_TONE = {"new": "info", "validated": "ok", "declined": "bad", "duplicate": "muted", "hidden": "muted",
         "planned": "info", "in_progress": "warn", "done": "ok", "not_possible": "bad"}


# a bench's power mode (benchcore.power.policy.MODE_NAMES), as the fleet pages show it
_POWER_MODES = {"normal": _("normal"), "saver": _("saving power"), "critical": _("critical battery"),
                "sleep": _("asleep")}
_LABELS = {"cat_": dict(Proposal.Category.choices), "dr_": dict(Proposal.DeclineReason.choices),
           "pm_": _POWER_MODES,
           "st_": {**dict(Action.Status.choices), **dict(Proposal.Status.choices), **_PUBLIC_STATUS}}


@register.filter
def tkey(value: str, prefix: str) -> str:
    """{{ copy.status|tkey:"st_" }}: a stored code (category, status, decline reason) in the reader's words."""
    return _LABELS.get(prefix, {}).get(value, value)


@register.simple_tag
def status_tag(value: str, label) -> str:
    return format_html('<strong class="tag tag--{}">{}</strong>', _TONE.get(value, "info"), label)


@register.simple_tag
def public_status(proposal) -> str:
    return status_tag(proposal.status, _PUBLIC_STATUS.get(proposal.status) or proposal.get_status_display())


@register.filter
def from_epoch(value):
    """Seconds since 1970 (chart data) as an aware datetime, for |date."""
    from datetime import datetime, timezone
    return datetime.fromtimestamp(int(value), tz=timezone.utc) if value is not None else None


@register.filter
def clean(value: str, limit: int = 2000) -> str:
    """Citizen text, inert and bounded (autoescape still escapes the HTML)."""
    return inert(value or "", int(limit))


@register.filter
def line(value: str, limit: int = 120) -> str:
    return inert_line(value or "", int(limit))
