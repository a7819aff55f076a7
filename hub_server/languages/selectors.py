from hub_server.languages.models import LanguagePreference


def language_of(*, user) -> str | None:
    """The language saved in this person's profile, or None (then the browser's is used)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return LanguagePreference.objects.filter(user=user).values_list("language", flat=True).first()


# The bench's language tags (BCP 47, firmware/benchcore) -> Django's language codes.
_BENCH_TAGS = {"bs": "bs", "hr": "hr", "sr-latn": "sr-latn", "sr-cyrl": "sr", "sr": "sr", "en": "en"}


def language_of_tag(tag: str) -> str:
    """A citizen's language as the bench recorded it, as a Django language code (default: the hub's)."""
    from django.conf import settings
    return _BENCH_TAGS.get((tag or "").lower(), settings.LANGUAGE_CODE)


def languages_of_emails(*, emails: list[str]) -> dict[str, list[str]]:
    """Recipients grouped by the language in their profile (those without one: the hub's default)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    saved = dict(get_user_model().objects.filter(email__in=emails, language_preference__isnull=False)
                 .values_list("email", "language_preference__language"))
    groups: dict[str, list[str]] = {}
    for email in emails:
        groups.setdefault(saved.get(email, settings.LANGUAGE_CODE), []).append(email)
    return groups
