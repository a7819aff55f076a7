"""Throttling of the public forms (organisation applications, receipt lookup, data requests).

Counted in the database, so every `hub serve` process and thread shares the counts on SQLite and
PostgreSQL alike. (django-ratelimit needs memcached or Redis and refuses the local-memory and
database caches, and the hub runs neither.) The client is the request's REMOTE_ADDR, which is the
visitor's own address once the TLS proxy is trusted (HUB_TRUSTED_PROXY, see docs/security.md).
"""
import functools
import hashlib
import hmac
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.shortcuts import render

from hub_server.portal.models import ThrottleCount


def _client_key(request) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def throttle_hit(*, scope: str, client: str, limit: int, period_s: int, now: float | None = None) -> int:
    """Count one request; returns 0 if allowed, else the seconds until the window ends."""
    now = time.time() if now is None else now
    window = int(now // period_s)
    with transaction.atomic():
        ThrottleCount.objects.filter(scope=scope, window__lt=window).delete()
        row, _ = ThrottleCount.objects.get_or_create(scope=scope, client=client, window=window)
        ThrottleCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
        count = ThrottleCount.objects.values_list("count", flat=True).get(pk=row.pk)
    return 0 if count <= limit else int((window + 1) * period_s - now) + 1


def throttled(scope: str, methods=("POST",), counts=None):
    """View decorator: at most settings.HUB_THROTTLES[scope] = (requests, seconds) per client; 429 beyond.

    Only requests with one of `methods` count, and only those for which counts(request, **kwargs)
    is true if given (the receipt lookup counts searches, not the form's redirect to them)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in methods and (counts is None or counts(request, **kwargs)):
                limit, period_s = settings.HUB_THROTTLES[scope]
                wait_s = throttle_hit(scope=scope, client=_client_key(request), limit=limit, period_s=period_s)
                if wait_s:
                    response = render(request, "portal/throttled.html", {"minutes": max(1, (wait_s + 59) // 60)},
                                      status=429)
                    response["Retry-After"] = str(wait_s)
                    return response
            return view(request, *args, **kwargs)
        return wrapper
    return decorate
