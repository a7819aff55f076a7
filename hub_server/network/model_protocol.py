"""A model protocol text the network proposes to a municipality (version 1), in four languages;
Serbian Cyrillic is written from the Latin. Administrators replace it with the text agreed locally."""

MODEL_TEXTS = {
    "bs": ("Općina {m} i organizacije civilnog društva, članice mreže LINK, sarađuju na osnovu otvorenosti, "
           "transparentnosti, učešća i partnerstva.\n"
           "Organizacije prosljeđuju općini ideje građana koje su potvrdile. Općina na svaku proslijeđenu ideju "
           "odgovara javno, u roku koji određuje ovaj protokol: prihvata je (s nadležnom službom, budžetskom "
           "stavkom i očekivanim datumom) ili je odbija uz obrazloženje.\n"
           "Odgovori i rokovi su javni na portalu mreže i na klupama."),
    "hr": ("Općina {m} i organizacije civilnoga društva, članice mreže LINK, surađuju na temelju otvorenosti, "
           "transparentnosti, sudjelovanja i partnerstva.\n"
           "Organizacije prosljeđuju općini ideje građana koje su potvrdile. Općina na svaku proslijeđenu ideju "
           "odgovara javno, u roku koji određuje ovaj protokol: prihvaća je (s nadležnom službom, proračunskom "
           "stavkom i očekivanim datumom) ili je odbija uz obrazloženje.\n"
           "Odgovori i rokovi javni su na portalu mreže i na klupama."),
    "sr-latn": ("Opština {m} i organizacije civilnog društva, članice mreže LINK, sarađuju na osnovu otvorenosti, "
                "transparentnosti, učešća i partnerstva.\n"
                "Organizacije prosleđuju opštini ideje građana koje su potvrdile. Opština na svaku prosleđenu ideju "
                "odgovara javno, u roku koji određuje ovaj protokol: prihvata je (sa nadležnom službom, budžetskom "
                "stavkom i očekivanim datumom) ili je odbija uz obrazloženje.\n"
                "Odgovori i rokovi su javni na portalu mreže i na klupama."),
    "en": ("The municipality of {m} and the civil-society organisations that are members of the LINK network "
           "cooperate on the principles of openness, transparency, participation and partnership.\n"
           "The organisations forward to the municipality the citizens' ideas they validated. The municipality "
           "answers each forwarded idea in public, within the deadline this protocol sets: it accepts it (with the "
           "responsible department, a budget line and an expected date) or declines it with its reasons.\n"
           "Answers and deadlines are public on the network's portal and on the benches."),
}


def model_texts(*, municipality: str) -> dict:
    return {lang: text.format(m=municipality) for lang, text in MODEL_TEXTS.items()}
