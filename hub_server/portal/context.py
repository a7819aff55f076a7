from django.conf import settings
from django.utils.translation import get_language


def portal(request):
    return {"LANGUAGE_CHOICES": settings.LANGUAGES, "CURRENT_LANGUAGE": get_language(),
            "OPEN_DATA_LICENCE": settings.HUB_OPEN_DATA_LICENCE}
