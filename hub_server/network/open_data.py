"""Open-data rows of the network (also the API's): protocols, signatories, answers, response times.

Signatories are parties (a municipality, an organisation) and the signer's capacity, never a name."""
from hub_server.network import selectors
from hub_server.network.models import (DEFAULT_RESPONSE_DAYS, TEXT_LANGUAGES, Accession, Forwarding, Protocol,
                                       ProtocolVersion)
from hub_server.proposals.text import inert, inert_line

TEXT_COLUMNS = {lang: "text_" + lang.replace("-", "_") for lang in TEXT_LANGUAGES}
PROTOCOL_FIELDS = ["municipality_id", "municipality", "version", "published", "response_days", "changes",
                   *TEXT_COLUMNS.values()]
SIGNATORY_FIELDS = ["municipality", "version", "party", "name", "capacity", "acceded", "withdrawn",
                    "withdraw_reason"]
ANSWER_FIELDS = ["id", "municipality", "organisation", "idea_id", "action_id", "title", "status", "forwarded", "due",
                 "answered", "in_time", "answer", "answer_lang", "department", "budget", "expected"]
STATS_FIELDS = ["municipality_id", "municipality", "response_days", "forwarded", "answered", "answered_in_time",
                "overdue", "open", "median_days"]


def _iso(value):
    return value.isoformat() if value else None


def protocol_rows():
    for v in ProtocolVersion.objects.select_related("protocol__municipality").order_by("protocol__municipality__name",
                                                                                        "number"):
        yield {"municipality_id": v.protocol.municipality_id, "municipality": v.protocol.municipality.name,
               "version": v.number, "published": v.published.isoformat(), "response_days": v.protocol.response_days,
               "changes": v.changes, **{column: v.texts.get(lang, "") for lang, column in TEXT_COLUMNS.items()}}


def signatory_row(a: Accession) -> dict:
    return {"municipality": a.version.protocol.municipality.name, "version": a.version.number, "party": a.party,
            "name": a.party_name, "capacity": a.capacity, "acceded": a.acceded.isoformat(),
            "withdrawn": _iso(a.withdrawn), "withdraw_reason": a.withdraw_reason}


def signatory_rows():
    for a in Accession.objects.select_related("version__protocol__municipality", "organisation").order_by("acceded",
                                                                                                         "id"):
        yield signatory_row(a)


def answer_row(f: Forwarding) -> dict:
    return {"id": f.pk, "municipality": f.municipality.name, "organisation": f.organisation.name,
            "idea_id": f.proposal_id, "action_id": f.action_id, "title": inert_line(f.subject_title, 120),
            "status": f.status, "forwarded": f.forwarded.isoformat(), "due": f.due.isoformat(),
            "answered": _iso(f.answered), "in_time": (f.answered <= f.due) if f.answered else None,
            "answer": inert(f.answer, 2000), "answer_lang": f.answer_lang, "department": f.department,
            "budget": f.budget, "expected": _iso(f.expected)}


def answer_rows():
    for f in selectors.public_forwardings().order_by("forwarded", "id"):
        yield answer_row(f)


def stats_rows():
    stats = selectors.response_stats()
    days = dict(Protocol.objects.values_list("municipality_id", "response_days"))
    for m in selectors.network_municipalities():
        yield {"municipality_id": m.pk, "municipality": m.name, "response_days": days.get(m.pk, DEFAULT_RESPONSE_DAYS),
               **stats.get(m.pk, selectors.EMPTY_STATS)}


# dataset name -> (rows, fields), for the portal's open-data export
DATASETS = {"protocols": (protocol_rows, PROTOCOL_FIELDS), "signatories": (signatory_rows, SIGNATORY_FIELDS),
            "answers": (answer_rows, ANSWER_FIELDS), "response-times": (stats_rows, STATS_FIELDS)}
