from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from hub_server.languages.models import LanguagePreference


@transaction.atomic
def language_set(*, user, language: str) -> LanguagePreference:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(f"Unknown language {language!r}.")
    preference, _ = LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})
    return preference
