"""Requests the hub refuses before any view runs."""
from django.http import HttpResponseBadRequest


class RejectNulCharactersMiddleware:
    """A NUL character in the path or the query string is a 400.

    PostgreSQL cannot store or compare text with NUL in it: a search, a filter or an id holding one
    raised in the database driver (a 500) on PostgreSQL while SQLite let it through. No URL of the
    hub needs one. (Form fields already refuse NUL: Django's ProhibitNullCharactersValidator.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", "") or any(
                "\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("A NUL character is not allowed in a URL.", content_type="text/plain")
        return self.get_response(request)
