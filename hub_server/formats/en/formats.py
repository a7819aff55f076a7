# Day before month, as the hub's readers in Bosnia and Herzegovina expect, and a 24-hour clock.
from django.conf.locale.en.formats import *  # noqa: F401,F403

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
