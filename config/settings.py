"""Parlons settings: one module, driven by environment variables.

Every setting has a working default for the embedded mode (SQLite/SpatiaLite, SQLite task queue,
file e-mail backend). ``PARLONS_ENV=production`` switches on the production hardening.
"""

from __future__ import annotations

import sys
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# embedded | production | test; a pytest run is a test run whatever the caller's environment says.
PARLONS_ENV = "test" if "pytest" in sys.modules else env.str("PARLONS_ENV", default="embedded")
TESTING = PARLONS_ENV == "test"
PRODUCTION = PARLONS_ENV == "production"
DATA_DIR = Path(env.str("PARLONS_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
SHARED_DATA_DIR = Path(env.str("PARLONS_SHARED_DATA", default=str(BASE_DIR.parent / "shared" / "data")))


def _secret_key() -> str:
    """Use PARLONS_SECRET_KEY, or a random key generated once and kept in the data directory."""
    if key := env.str("PARLONS_SECRET_KEY", default=""):
        return key
    if PRODUCTION:
        raise RuntimeError("PARLONS_SECRET_KEY must be set when PARLONS_ENV=production")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("PARLONS_DEBUG", default=False)
# Host names are checked against organisations by the tenancy middleware, which answers 404
# for a host that belongs to no organisation; Django's own check would only duplicate it.
ALLOWED_HOSTS = env.list("PARLONS_ALLOWED_HOSTS", default=["*"])
# In embedded mode the default organisation answers on any host name and others on /o/<slug>/.
PARLONS_ANY_HOST_DEFAULT_ORG = env.bool("PARLONS_ANY_HOST_DEFAULT_ORG", default=not PRODUCTION)
PARLONS_PATH_PREFIX_TENANTS = env.bool("PARLONS_PATH_PREFIX_TENANTS", default=not PRODUCTION)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    # Before allauth, so that our templates (allauth pages in the site's theme) override allauth's own.
    "parlons.accounts",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "huey.contrib.djhuey",
    "parlons.common",
    "parlons.core",
    "parlons.geo",
    "parlons.notifications",
    "parlons.dialogue",
    "parlons.ledger",
    "parlons.insights",
    "parlons.backoffice",
    "parlons.api",
    "parlons.web",
    # Participation modules: adding one here is all it takes (see docs/architecture.md).
    "parlons.modules.pages",
    "parlons.modules.reports",
    "parlons.modules.budgets",
    "parlons.modules.surveys",
    "parlons.modules.consultations",
    "parlons.modules.conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parlons.core.tenancy.OrganisationMiddleware",
    # Before the language is chosen, so that a signed-in person's saved language applies on a new browser.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "parlons.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "parlons" / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "parlons.core.context_processors.organisation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    import dj_database_url

    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] in ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"):
        _db["ENGINE"] = "django.contrib.gis.db.backends.postgis"
        # Django's own connection pool (psycopg 3); persistent connections are incompatible with it.
        _db["CONN_MAX_AGE"] = 0
        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env.int("PARLONS_DB_POOL", default=8),
        }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.contrib.gis.db.backends.spatialite",
            "NAME": str(DATA_DIR / "parlons.sqlite3"),
            "CONN_MAX_AGE": 600,
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            # In memory for tests (one per xdist worker, shared with live-server threads).
            "TEST": {"NAME": ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SPATIALITE_LIBRARY_PATH = env.str("SPATIALITE_LIBRARY_PATH", default="mod_spatialite")

# --- Cache and task queue ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "parlons",
        "url": REDIS_URL,
        "immediate": env.bool("PARLONS_TASKS_IMMEDIATE", default=False),
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "parlons_cache",
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "parlons",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": env.bool("PARLONS_TASKS_IMMEDIATE", default=False),
    }
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
HUEY["consumer"] = {"workers": env.int("PARLONS_WORKERS", default=2), "worker_type": "thread"}

# --- Auth -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "parlons.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "parlons.accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
# Say plainly that an e-mail is already registered (sign-up, code, reset): residents who forgot they have an
# account must not be left waiting for a message; the rate limits below keep enumeration slow.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "request_login_code": "20/m/ip,3/m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# FranceConnect (OpenID Connect code flow). Minimal scopes: openid, the name we display, the e-mail, and the birth
# date, which with the name gives the person key shared with in-person desks (only that keyed hash is kept).
FRANCECONNECT_SERVER_URL = env.str("FRANCECONNECT_SERVER_URL", default="")
FRANCECONNECT_CLIENT_ID = env.str("FRANCECONNECT_CLIENT_ID", default="")
FRANCECONNECT_CLIENT_SECRET = env.str("FRANCECONNECT_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # allauth's provider with the nonce it lacks (FranceConnect requires one; see parlons/accounts/franceconnect).
        "provider_class": "parlons.accounts.franceconnect.provider.FranceConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "franceconnect",
                    "name": "FranceConnect",
                    "client_id": FRANCECONNECT_CLIENT_ID,
                    "secret": FRANCECONNECT_CLIENT_SECRET,
                    "settings": {
                        "server_url": FRANCECONNECT_SERVER_URL,
                        "scope": ["openid", "given_name", "family_name", "birthdate", "email"],
                    },
                }
            ]
            if FRANCECONNECT_SERVER_URL
            else []
        ),
    }
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]

# --- E-mail -----------------------------------------------------------------------------------------
# Every message is handed to the task queue, which sends it through PARLONS_EMAIL_BACKEND.
EMAIL_BACKEND = "parlons.notifications.email_backend.QueuedEmailBackend"
PARLONS_EMAIL_BACKEND = env.str(
    "PARLONS_EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("EMAIL_HOST", default="")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parlons <no-reply@parlons.localhost>")

# --- Languages --------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "parlons" / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]
STATICFILES_DIRS = [(prefix, path) for prefix, path in STATICFILES_DIRS if path.exists()]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (TESTING or env.bool("PARLONS_PLAIN_STATIC", default=False))
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("PARLONS_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("PARLONS_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env.list("PARLONS_CSRF_TRUSTED_ORIGINS", default=[])

from csp.constants import NONCE, SELF  # noqa: E402

# Hosts map tiles may come from: fed to the CSP's img-src, and checked when a tile address is set.
PARLONS_TILE_HOSTS = env.list(
    "PARLONS_TILE_HOSTS", default=["tile.openstreetmap.org", "*.tile.openstreetmap.org", "data.geopf.fr"]
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *(f"https://{host}" for host in PARLONS_TILE_HOSTS)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "frame-ancestors": ["'none'"],
        "form-action": [SELF, *env.list("PARLONS_CSP_FORM_ACTION", default=[])],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("PARLONS_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "huey": {"level": "WARNING"}},
}

# Census identifiers are stored only as keyed hashes (HMAC-SHA256) with this key.
PARLONS_CENSUS_PEPPER = env.str("PARLONS_CENSUS_PEPPER", default=SECRET_KEY)

# --- Integrations ---------------------------------------------------------------------------------
# Absolute links in e-mails for organisations without a host name of their own.
PARLONS_BASE_URL = env.str("PARLONS_BASE_URL", default="http://127.0.0.1:8000")
# Geocoding: "geoplateforme" (the French national service) or "fake" (a local gazetteer); tests always use the fake.
PARLONS_GEOCODER = env.str("PARLONS_GEOCODER", default="geoplateforme" if PRODUCTION else "fake")
PARLONS_GEOCODER_URL = env.str("PARLONS_GEOCODER_URL", default="https://data.geopf.fr/geocodage")
PARLONS_API_RATE_ANONYMOUS = env.str("PARLONS_API_RATE_ANONYMOUS", default="300/m")
PARLONS_API_RATE_PERSON = env.str("PARLONS_API_RATE_PERSON", default="1200/m")
# Transparency log: key-encryption key of the organisations' signing keys (base64 of 32 bytes); when empty,
# a key file is created in PARLONS_DATA_DIR/keys (embedded mode). Tests use a fixed throw-away key.
PARLONS_LEDGER_KEK = env.str(
    "PARLONS_LEDGER_KEK", default="dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI=" if TESTING else ""
)
