"""The public portal's words in Bosnian, Croatian, Serbian (Latin; Cyrillic by transliteration) and English.

An in-code catalogue rather than gettext .po files, so no compile step is needed on a fresh machine.
Serbian Cyrillic is the Serbian Latin text transliterated letter by letter (the two scripts map
one to one). Written by the team, not yet reviewed by native speakers of each language.
"""
from django.utils.translation import get_language

# key: (bs, hr, sr-latn, en)
WORDS = {
    "site": ("LINK klupe", "LINK klupe", "LINK klupe", "LINK benches"),
    "tagline": ("Ideje građana sa solarnih klupa i šta je od njih postalo.",
                "Ideje građana sa solarnih klupa i što je od njih nastalo.",
                "Ideje građana sa solarnih klupa i šta je od njih postalo.",
                "Citizens' ideas from the solar benches and what became of them."),
    "ideas": ("Ideje", "Ideje", "Ideje", "Ideas"),
    "actions": ("Akcije", "Akcije", "Akcije", "Actions"),
    "benches": ("Klupe", "Klupe", "Klupe", "Benches"),
    "municipality": ("Općina", "Općina", "Opština", "Municipality"),
    "municipalities": ("Općine", "Općine", "Opštine", "Municipalities"),
    "search": ("Pretraga", "Pretraživanje", "Pretraga", "Search"),
    "search_button": ("Traži", "Traži", "Traži", "Search"),
    "receipt": ("Kod potvrde", "Kôd potvrde", "Kod potvrde", "Receipt code"),
    "receipt_help": ("Unesite kod koji vam je klupa pokazala, npr. 0J8M-4XF2.",
                     "Unesite kôd koji vam je klupa pokazala, npr. 0J8M-4XF2.",
                     "Unesite kod koji vam je klupa pokazala, npr. 0J8M-4XF2.",
                     "Enter the code the bench showed you, e.g. 0J8M-4XF2."),
    "check": ("Provjeri", "Provjeri", "Proveri", "Check"),
    "receipt_title": ("Šta je bilo s mojom idejom?", "Što je bilo s mojom idejom?", "Šta je bilo sa mojom idejom?",
                      "What became of my idea?"),
    "not_found": ("Nema ideje s tim kodom.", "Nema ideje s tim kôdom.", "Nema ideje sa tim kodom.",
                  "No idea has that code."),
    "no_ideas": ("Još nema potvrđenih ideja.", "Još nema potvrđenih ideja.", "Još nema potvrđenih ideja.",
                 "No validated ideas yet."),
    "no_actions": ("Još nema akcija.", "Još nema akcija.", "Još nema akcija.", "No actions yet."),
    "status": ("Status", "Status", "Status", "Status"),
    "category": ("Oblast", "Područje", "Oblast", "Category"),
    "received": ("Primljeno", "Primljeno", "Primljeno", "Received"),
    "answer": ("Odgovor općine", "Odgovor općine", "Odgovor opštine", "The municipality's answer"),
    "updates": ("Tok", "Tijek", "Tok", "Progress"),
    "linked_ideas": ("Povezane ideje", "Povezane ideje", "Povezane ideje", "Linked ideas"),
    "duplicate_of": ("Ova ideja je duplikat ideje", "Ova ideja je duplikat ideje", "Ova ideja je duplikat ideje",
                     "This idea duplicates"),
    "declined_because": ("Odbijeno jer:", "Odbijeno jer:", "Odbijeno jer:", "Declined because:"),
    "st_new": ("Primljeno, čeka pregled", "Primljeno, čeka pregled", "Primljeno, čeka pregled",
               "Received, awaiting review"),
    "st_validated": ("Potvrđeno", "Potvrđeno", "Potvrđeno", "Validated"),
    "st_declined": ("Odbijeno", "Odbijeno", "Odbijeno", "Declined"),
    "st_duplicate": ("Duplikat", "Duplikat", "Duplikat", "Duplicate"),
    "st_hidden": ("Nije objavljeno", "Nije objavljeno", "Nije objavljeno", "Not published"),
    "st_planned": ("Planirano", "Planirano", "Planirano", "Planned"),
    "st_in_progress": ("U toku", "U tijeku", "U toku", "In progress"),
    "st_done": ("Završeno", "Završeno", "Završeno", "Done"),
    "st_not_possible": ("Nije moguće", "Nije moguće", "Nije moguće", "Not possible"),
    "online": ("radi", "radi", "radi", "working"),
    "offline": ("ne javlja se", "ne javlja se", "ne javlja se", "not responding"),
    "last_seen": ("Posljednji put viđena", "Posljednji put viđena", "Poslednji put viđena", "Last seen"),
    "battery": ("Baterija", "Baterija", "Baterija", "Battery"),
    "bench": ("Klupa", "Klupa", "Klupa", "Bench"),
    "health": ("Stanje", "Stanje", "Stanje", "Health"),
    "never": ("nikad", "nikad", "nikad", "never"),
    "open_data": ("Otvoreni podaci", "Otvoreni podaci", "Otvoreni podaci", "Open data"),
    "open_data_text": ("Potvrđene ideje i akcije možete preuzeti kao CSV ili JSON, pod licencom",
                       "Potvrđene ideje i akcije možete preuzeti kao CSV ili JSON, pod licencijom",
                       "Potvrđene ideje i akcije možete preuzeti kao CSV ili JSON, pod licencom",
                       "Validated ideas and actions can be downloaded as CSV or JSON, under the licence"),
    "apply": ("Prijava organizacije", "Prijava organizacije", "Prijava organizacije", "Organisations: apply"),
    "language": ("Jezik", "Jezik", "Jezik", "Language"),
    "change": ("Promijeni", "Promijeni", "Promeni", "Change"),
    "all": ("Sve", "Sve", "Sve", "All"),
    "more": ("Više", "Više", "Više", "More"),
    "no_personal": ("Lični podaci se nikad ne objavljuju.", "Osobni podaci nikad se ne objavljuju.",
                    "Lični podaci se nikad ne objavljuju.", "Personal data is never published."),
    "cat_environment": ("Okoliš", "Okoliš", "Životna sredina", "Environment"),
    "cat_transport": ("Saobraćaj", "Promet", "Saobraćaj", "Transport"),
    "cat_culture": ("Kultura i sport", "Kultura i sport", "Kultura i sport", "Culture and sport"),
    "cat_social": ("Socijalna pitanja", "Socijalna pitanja", "Socijalna pitanja", "Social issues"),
    "cat_infrastructure": ("Infrastruktura", "Infrastruktura", "Infrastruktura", "Infrastructure"),
    "cat_other": ("Ostalo", "Ostalo", "Ostalo", "Other"),
    "dr_not_municipal": ("nije u nadležnosti općine", "nije u nadležnosti općine", "nije u nadležnosti opštine",
                         "not a matter for the municipality"),
    "dr_unclear": ("nejasno", "nejasno", "nejasno", "too unclear to act on"),
    "dr_already_done": ("već urađeno ili planirano", "već učinjeno ili planirano", "već urađeno ili planirano",
                        "already done or planned"),
    "dr_illegal": ("protivno zakonu ili pravima drugih", "protivno zakonu ili pravima drugih",
                   "protivno zakonu ili pravima drugih", "against the law or others' rights"),
    "dr_off_topic": ("nije prijedlog", "nije prijedlog", "nije predlog", "not a proposal"),
}
_INDEX = {"bs": 0, "hr": 1, "sr-latn": 2, "en": 3}

_CYRILLIC_PAIRS = [("Lj", "Љ"), ("LJ", "Љ"), ("lj", "љ"), ("Nj", "Њ"), ("NJ", "Њ"), ("nj", "њ"),
                   ("Dž", "Џ"), ("DŽ", "Џ"), ("dž", "џ")]
_CYRILLIC = dict(zip("ABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽabcčćdđefghijklmnoprsštuvzž",
                     "АБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖабцчћдђефгхијклмнопрсштувзж"))


def to_cyrillic(text: str) -> str:
    for latin, cyrillic in _CYRILLIC_PAIRS:
        text = text.replace(latin, cyrillic)
    return "".join(_CYRILLIC.get(ch, ch) for ch in text)


def word(key: str, language: str | None = None) -> str:
    language = (language or get_language() or "bs").lower()
    entry = WORDS.get(key)
    if entry is None:
        return key
    if language == "sr":
        return to_cyrillic(entry[2])
    return entry[_INDEX.get(language, 0)]
