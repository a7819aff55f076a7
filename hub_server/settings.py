"""Hub settings, read from the environment (DATABASE_URL, HUB_SECRET_KEY, HUB_DEBUG, MQTT_*).

HUB_ENV=production switches on everything `hub check --deploy` asks for (HTTPS only, HSTS, secure
cookies, a secret key that must come from the environment); see docs/hub.md.
"""
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent

PRODUCTION = os.environ.get("HUB_ENV", "development") == "production"
DEBUG = os.environ.get("HUB_DEBUG", "0") == "1" and not PRODUCTION
SECRET_KEY = os.environ.get("HUB_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("HUB_ENV=production needs HUB_SECRET_KEY (50+ random characters)")
    SECRET_KEY = "insecure-development-key-set-HUB_SECRET_KEY-in-production"
ALLOWED_HOSTS = [h for h in os.environ.get("HUB_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "ninja",
    "hub_server.fleet",
    "hub_server.membership",
    "hub_server.proposals",
    "hub_server.fleet_health",
    "hub_server.releases",
    "hub_server.portal",
    "hub_server.api",
    "hub_server.languages",
    "hub_server.mail",
    "hub_server.network",
    "hub_server.grants",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hub_server.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hub_server.languages.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
AUTHENTICATION_BACKENDS = [
    "hub_server.membership.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
ROOT_URLCONF = "hub_server.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "django.template.context_processors.i18n",
        "hub_server.portal.context.portal",
    ]},
}]
WSGI_APPLICATION = "hub_server.wsgi.application"

_default_db = "sqlite:///" + str(PROJECT_ROOT / "build" / "hub" / "hub.sqlite3")
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web read while ingest writes; IMMEDIATE avoids lock upgrades failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # Kept open between messages: each reopen ran the PRAGMAs and each close checkpointed the WAL
    # (measured 60 of the ingest's 104 ms per proposal on this machine: docs/scaling.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 600
elif "postgresql" in DATABASES["default"]["ENGINE"]:
    # The fleet dashboard's counts over 10,000 benches look costly to the planner, which then spent
    # 24 ms compiling (JIT) a query that runs in 10 ms: the hub's queries are short, JIT never pays.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "bs"
# The five languages of the hub; "sr" is Serbian in Cyrillic (Django's convention), "sr-latn" in Latin.
LANGUAGES = [("bs", "Bosanski"), ("hr", "Hrvatski"), ("sr-latn", "Srpski (latinica)"), ("sr", "Српски (ћирилица)"),
             ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # the hub's catalogues (`hub messages update|check|compile`)
FORMAT_MODULE_PATH = ["hub_server.formats"]  # local short dates for bs and en
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Sarajevo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("HUB_STATIC_ROOT", PROJECT_ROOT / "build" / "hub" / "static"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "review-home"
LOGOUT_REDIRECT_URL = "login"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed files through whitenoise (`hub serve` runs collectstatic first).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = PRODUCTION or os.environ.get("HUB_SECURE_COOKIES", "0") == "1"
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HUB_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("HUB_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("HUB_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Behind the TLS reverse proxy (docs/security.md): `hub serve` (waitress) takes the client's address
# and scheme from X-Forwarded-For / X-Forwarded-Proto only when the connection comes from
# HUB_TRUSTED_PROXY, and strips those headers from anyone else. So REMOTE_ADDR is the visitor's
# own address (login throttling and form throttling count per visitor, not per proxy) and
# is_secure() is true for HTTPS visitors (no redirect loop).
HUB_BEHIND_PROXY = os.environ.get("HUB_BEHIND_PROXY", "0") == "1"
HUB_TRUSTED_PROXY = os.environ.get("HUB_TRUSTED_PROXY", "127.0.0.1") if HUB_BEHIND_PROXY else None
HUB_TRUSTED_PROXY_COUNT = int(os.environ.get("HUB_TRUSTED_PROXY_COUNT", "1"))
if HUB_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content Security Policy: nothing inline, nothing from elsewhere (the charting library is ours).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": [SELF], "script-src": [SELF], "style-src": [SELF], "img-src": [SELF, "data:"],
    "connect-src": [SELF], "font-src": [SELF], "object-src": [NONE], "base-uri": [NONE],
    "frame-ancestors": [NONE], "form-action": [SELF],
}}

# Login throttling (django-axes): 5 failures per username and address lock out for 30 minutes. The
# address is REMOTE_ADDR (django-ipware is not installed, so no header a client sends is believed);
# behind the proxy it is the visitor's (see HUB_TRUSTED_PROXY above), so one attacker locks out
# only their own attempts at a username, never everyone's.
AXES_FAILURE_LIMIT = int(os.environ.get("HUB_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Public forms: (requests, seconds) per client address; HUB_THROTTLE_<SCOPE>="N/SECONDS" overrides.
def _rate(name: str, default: str) -> tuple[int, int]:
    count, _, seconds = os.environ.get(f"HUB_THROTTLE_{name.upper()}", default).partition("/")
    return int(count), int(seconds)


HUB_THROTTLES = {"receipt": _rate("receipt", "30/600"), "apply": _rate("apply", "5/3600"),
                 "data_request": _rate("data_request", "10/3600")}

# Email: the console in development; HUB_EMAIL_HOST switches to SMTP.
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if os.environ.get("HUB_EMAIL_HOST")
                 else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("HUB_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HUB_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("HUB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HUB_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("HUB_EMAIL_TLS", "1") == "1"
# A mail server that accepts the connection and then says nothing must not hold a web thread (or
# `hub fleet-check`) forever: after this many seconds the email is recorded as failed.
EMAIL_TIMEOUT = int(os.environ.get("HUB_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("HUB_EMAIL_FROM", "LINK hub <hub@localhost>")
# Grant applications' attachments: outside the static files and any web root, served by a checked view.
HUB_GRANT_FILES = Path(os.environ.get("HUB_GRANT_FILES", PROJECT_ROOT / "build" / "hub" / "grant-files"))
HUB_GRANT_FILE_LIMIT = int(os.environ.get("HUB_GRANT_FILE_LIMIT", str(10 * 1024 * 1024)))
HUB_PUBLIC_URL = os.environ.get("HUB_PUBLIC_URL", "http://127.0.0.1:8000")
# Releases (docs/updates.md): their files, served to benches under /releases/, and the Ed25519 key
# that signs them (private: only the hub's release process reads it; benches hold the public half).
HUB_RELEASES_DIR = Path(os.environ.get("HUB_RELEASES_DIR", PROJECT_ROOT / "build" / "hub" / "releases"))
HUB_RELEASE_KEY_FILE = Path(os.environ.get("HUB_RELEASE_KEY_FILE", PROJECT_ROOT / "build" / "hub" / "release_key.pem"))
# The address benches fetch releases from (the hub's web as the benches' uplink reaches it).
HUB_RELEASES_URL = os.environ.get("HUB_RELEASES_URL", HUB_PUBLIC_URL.rstrip("/") + "/releases/")
HUB_STAFF_EMAILS = [e for e in os.environ.get("HUB_STAFF_EMAILS", "").split(",") if e]

# Fleet alerts (fleet_health/services.py).
HUB_ALERT_OFFLINE_MINUTES = int(os.environ.get("HUB_ALERT_OFFLINE_MINUTES", "30"))
HUB_ALERT_LOW_SOC = float(os.environ.get("HUB_ALERT_LOW_SOC", "20"))
HUB_ALERT_OUTBOX_RISES = int(os.environ.get("HUB_ALERT_OUTBOX_RISES", "3"))

# Retention (proposals/privacy_services.py, run daily by `hub retention`): a citizen's name and
# contact are erased this many days after their idea is closed, or after it arrived if it never closes.
HUB_CONTACT_RETENTION_DAYS = int(os.environ.get("HUB_CONTACT_RETENTION_DAYS", "365"))
HUB_CONTACT_RETENTION_MAX_DAYS = int(os.environ.get("HUB_CONTACT_RETENTION_MAX_DAYS", "730"))
HUB_MAIL_FAILURE_DAYS = int(os.environ.get("HUB_MAIL_FAILURE_DAYS", "90"))
HUB_LOGIN_LOG_DAYS = int(os.environ.get("HUB_LOGIN_LOG_DAYS", "90"))

# Open data licence, stated in every export.
HUB_OPEN_DATA_LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}

MQTT = {
    "host": os.environ.get("MQTT_HOST", "127.0.0.1"),
    "port": int(os.environ.get("MQTT_PORT", "1883")),
    "user": os.environ.get("MQTT_USER", "hub"),
    "password": os.environ.get("MQTT_PASSWORD", ""),
    # broker users hub-ingest, hub-ingest-2, ...: one per ingest worker of a shared subscription
    "ingest_workers": int(os.environ.get("MQTT_INGEST_WORKERS", "1")),
}
# The broker follows the hub: where `hub broker-config --out` wrote the broker's files, and the command
# that makes Mosquitto reread them (e.g. "systemctl reload mosquitto"). Set both, and registering or
# provisioning a bench rewrites the password file and ACL and runs the command once the change is
# committed (hub_server/fleet/broker_sync.py); unset, an operator runs broker-config and reloads.
HUB_BROKER_DIR = os.environ.get("HUB_BROKER_DIR", "")
HUB_BROKER_RELOAD = os.environ.get("HUB_BROKER_RELOAD", "")
# The broker as the benches reach it (written into config.json by `bench provision`): the hub's own
# connection may be on loopback while benches come through the public address.
BENCH_MQTT = {
    "host": os.environ.get("BENCH_MQTT_HOST", MQTT["host"]),
    "port": int(os.environ.get("BENCH_MQTT_PORT", str(MQTT["port"]))),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"hub": {"handlers": ["console"], "level": "INFO"}},
}
