from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from hub_server.languages.middleware import SESSION_KEY
from hub_server.languages.services import language_set


@require_POST
def set_language(request):
    """Django's switcher (cookie, back to `next`), and for a signed-in person their profile too."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response
