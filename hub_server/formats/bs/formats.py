# Django's Bosnian short date is "Y M j"; people in Bosnia and Herzegovina write 2.12.2026.
from django.conf.locale.bs.formats import *  # noqa: F401,F403

DATE_FORMAT = "j.n.Y."  # Django: "j. N Y." gives "2. decembar" where Bosnian says "2. decembra"
SHORT_DATE_FORMAT = "j.n.Y."
SHORT_DATETIME_FORMAT = "j.n.Y. H:i"
