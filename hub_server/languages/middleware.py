from django.utils import translation

# The profile's language, copied into the session at login (and by the switcher): no query per request.
SESSION_KEY = "hub_language"


class ProfileLanguageMiddleware:
    """After authentication: a signed-in person's saved language wins over cookie and browser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = request.session.get(SESSION_KEY) if user is not None and user.is_authenticated else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def remember_profile_language(sender, request, user, **kwargs):
    """user_logged_in: bring the language from the profile (another browser may have set it)."""
    from hub_server.languages.selectors import language_of
    language = language_of(user=user)
    if language:
        request.session[SESSION_KEY] = language
