"""The agent's own words on the portal (the "internet" page), in the portal's five languages.
They join the firmware's tables (benchcore/lang_*.py) in the agent's www/lang/<tag>.json;
Serbian Cyrillic is transliterated from Serbian Latin, as for the firmware."""
from edge_agent.portal_pages import to_cyrillic

WORDS = {
    "bs": {"nav_internet": "Internet",
           "net_intro": "Besplatan internet na ovoj klupi: %d minuta. Prije toga možete ostaviti i svoju ideju.",
           "net_go": "Nastavi na internet",
           "net_open": "Povezani ste. Internet vam je otvoren još %d minuta.",
           "net_none": "Internet trenutno nije dostupan na ovoj klupi. Ideje i dalje možete ostaviti ovdje."},
    "hr": {"nav_internet": "Internet",
           "net_intro": "Besplatan internet na ovoj klupi: %d minuta. Prije toga možete ostaviti i svoju ideju.",
           "net_go": "Nastavi na internet",
           "net_open": "Povezani ste. Internet vam je otvoren još %d minuta.",
           "net_none": "Internet trenutačno nije dostupan na ovoj klupi. Ideje i dalje možete ostaviti ovdje."},
    "sr-Latn": {"nav_internet": "Internet",
                "net_intro": "Besplatan internet na ovoj klupi: %d minuta. Prije toga možete ostaviti i svoju ideju.",
                "net_go": "Nastavi na internet",
                "net_open": "Povezani ste. Internet vam je otvoren još %d minuta.",
                "net_none": "Internet trenutno nije dostupan na ovoj klupi. Ideje i dalje možete ostaviti ovdje."},
    "en": {"nav_internet": "Internet",
           "net_intro": "Free internet at this bench: %d minutes. You are welcome to leave your idea first.",
           "net_go": "Continue to the internet",
           "net_open": "You are online. The internet is open for you for another %d minutes.",
           "net_none": "The internet is not available at this bench right now. You can still leave ideas here."},
}
WORDS["sr-Cyrl"] = {key: to_cyrillic(text) for key, text in WORDS["sr-Latn"].items()}


def add_to_portal():
    """Put the agent's words into the firmware's tables and its page into the footer."""
    import importlib

    from benchcore import i18n, pages

    for lang in i18n.LANGUAGES:
        importlib.import_module(i18n.module_name(lang)).S.update(WORDS[lang])
    footer = pages.tail
    if getattr(footer, "with_internet", False):
        return

    def tail(lang):  # the firmware's footer, with the internet page before the nav closes
        for part in footer(lang):
            if part.startswith("</nav></footer>"):
                yield '<a href="/internet?lang=%s">%s</a> ' % (lang, i18n.strings(lang)["nav_internet"])
            yield part

    tail.with_internet = True
    pages.tail = tail
