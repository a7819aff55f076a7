from django.conf import settings
from django.contrib.staticfiles.management.commands.collectstatic import Command as CollectStatic
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hub_server.languages.messages import compile_catalogues


class Command(BaseCommand):
    help = "Serve the hub's web app with waitress (a production WSGI server)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **opts):
        import waitress

        # Both before the WSGI app is built: whitenoise lists STATIC_ROOT once, when its middleware
        # is made, so a static folder filled afterwards would answer 404 until the next restart.
        compile_catalogues()
        call_command(CollectStatic(), interactive=False, verbosity=0)
        from hub_server.wsgi import application

        # Only the configured proxy (HUB_BEHIND_PROXY=1, HUB_TRUSTED_PROXY) may say who the client is
        # and whether it used HTTPS; waitress removes those headers from everyone else.
        proxy = {"trusted_proxy": settings.HUB_TRUSTED_PROXY, "trusted_proxy_count": settings.HUB_TRUSTED_PROXY_COUNT,
                 "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}} if settings.HUB_TRUSTED_PROXY else {}
        self.stdout.write(f"hub: serving on http://{opts['host']}:{opts['port']}/", ending="\n")
        self.stdout.flush()
        waitress.serve(application, host=opts["host"], port=opts["port"], threads=opts["threads"],
                       ident="hub", clear_untrusted_proxy_headers=True, **proxy)
