from django.core.management.base import BaseCommand, CommandError

from hub_server.languages import messages


class Command(BaseCommand):
    help = ("The hub's translations: `update` the five .po files from the code and templates, `check` for "
            "missing translations, `compile` the .mo files (polib; no gettext tools needed).")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["update", "check", "compile"])

    def handle(self, *args, what, **opts):
        if what == "update":
            for locale, count in messages.update().items():
                self.stdout.write(f"{locale}: {count} messages")
            what = "check"
        if what == "check":
            missing = messages.untranslated()
            for locale, msgid, where in missing:
                self.stdout.write(f"{locale}: {msgid!r} ({where})")
            if missing:
                raise CommandError(f"{len(missing)} translations missing")
            self.stdout.write("every message has a translation in every language")
        if what == "compile":
            for path in messages.compile_catalogues(force=True):
                self.stdout.write(str(path))
