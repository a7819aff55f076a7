from django.utils import translation

from hub_server.languages.selectors import language_of


class ProfileLanguageMiddleware:
    """After authentication: a signed-in person's saved language wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_of(user=getattr(request, "user", None))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
