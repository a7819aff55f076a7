"""Answers to the operating systems' connectivity probes, so every phone opens its captive sheet.

The captive DNS sends every name to the bench, so any request whose Host is not the bench itself
is a probe or a page the phone wanted from the internet: it goes to the portal. The table of hosts
and paths, with what each OS expects, is in docs/captive-portal.md."""
from benchcore.compat import const, ticks_diff, ticks_ms
from benchcore.web import Response

_RELEASED_MAX = const(16)
# Apple's probes (iOS, macOS): "Success" means online; anything else opens the sheet.
_APPLE_HOSTS = ("captive.apple.com", "www.apple.com", "www.appleiphonecell.com", "www.itools.info",
                "www.ibook.info", "www.airport.us", "www.thinkdifferent.us")
_APPLE_SUCCESS = "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
_NO_STORE = "no-store"


class Probes:
    def __init__(self, portal_url, own_hosts, release_s=600):
        """portal_url: where phones are sent (http://<AP address>[:port]/); own_hosts: Host
        values that mean the portal itself (the AP address with and without port, a name)."""
        self.portal_url = portal_url
        self.own_hosts = own_hosts
        self.release_ms = release_s * 1000
        self._released = {}  # client address -> ticks_ms of its submission

    def release(self, client):
        """After a submission, Apple's probe from this client sees Success, so iOS shows Done."""
        if len(self._released) >= _RELEASED_MAX and client not in self._released:
            oldest = None
            for key, since in self._released.items():
                if oldest is None or ticks_diff(since, self._released[oldest]) < 0:
                    oldest = key
            self._released.pop(oldest)
        self._released[client] = ticks_ms()

    def released(self, client):
        since = self._released.get(client)
        if since is None:
            return False
        if ticks_diff(ticks_ms(), since) > self.release_ms:
            del self._released[client]
            return False
        return True

    def is_portal(self, request):
        host = request.headers.get("Host")
        return not host or host.lower() in self.own_hosts

    def answer(self, request):
        """The probe's response, or None when the request is for the portal itself."""
        if self.is_portal(request):
            return None
        host = request.headers.get("Host", "").lower().split(":")[0]
        path = request.path
        if host in _APPLE_HOSTS or path == "/hotspot-detect.html":
            if self.released(request.client_addr[0]):
                return Response(_APPLE_SUCCESS, 200, {"Content-Type": "text/html", "Cache-Control": _NO_STORE})
            return self.redirect()
        if path in ("/generate_204", "/gen_204"):
            # Android and ChromeOS: anything but 204 means captive. Some Samsung builds ignore a
            # redirect here and want a page: a 200 that refreshes to the portal works for all.
            return Response(self._refresh_page(), 200,
                            {"Content-Type": "text/html; charset=utf-8", "Cache-Control": _NO_STORE})
        return self.redirect()

    def redirect(self):
        return Response('<a href="%s">LINK</a>' % self.portal_url, 302, {
            "Location": self.portal_url, "Content-Type": "text/html", "Cache-Control": _NO_STORE})

    def _refresh_page(self):
        return ('<!doctype html><html><head><meta http-equiv="refresh" content="0;url=%s"><title>LINK</title>'
                '</head><body><a href="%s">LINK klupa</a></body></html>' % (self.portal_url, self.portal_url))
