from django.conf import settings
from django.utils.translation import get_language

# BCP 47 tags for <html lang>: Django's "sr" is Serbian in Cyrillic, "sr-latn" in Latin.
HTML_LANG = {"sr": "sr-Cyrl", "sr-latn": "sr-Latn"}


def portal(request):
    language = get_language() or settings.LANGUAGE_CODE
    return {"LANGUAGE_CHOICES": settings.LANGUAGES, "CURRENT_LANGUAGE": language,
            "HTML_LANG": HTML_LANG.get(language, language),
            "OPEN_DATA_LICENCE": settings.HUB_OPEN_DATA_LICENCE}
