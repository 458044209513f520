"""Settings for the tracker: one module, configured by environment variables.

Development needs no configuration (SQLite file under ``var/``, a generated secret key kept in
an untracked file). Production differs only in environment values: set ``PRODUCTION=1``, a
``SECRET_KEY``, ``ALLOWED_HOSTS`` and usually ``DATABASE_URL``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


PRODUCTION = env_bool("PRODUCTION")
DEBUG = env_bool("DEBUG")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when PRODUCTION=1.")
    # Development: generate once and keep it in an untracked file so sessions survive restarts.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "tracker",
]

MIDDLEWARE = [
    # Off unless DATABASE_QUERIES_HEADER=1: names the databases each response queried.
    "tracker.routers.QueryCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL byte in the address is a 400 before anything reads it (PostgreSQL refuses NUL).
    "tracker.middleware.RejectNulBytesMiddleware",
    # ETag / Last-Modified answers with 304 Not Modified when the client's copy is current.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before WhiteNoise, so static files carry the same headers as pages.
    "tracker.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read-only CORS for /api/ (any origin, never with credentials): see tracker/cors.py.
    "tracker.cors.ReadOnlyCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pages: the language of their URL; the API, feeds and admin: cookie or Accept-Language.
    "tracker.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Anonymous visitors' pages from the cache; safe anonymous reads from replicas if any.
    "tracker.cache.AnonymousCacheMiddleware",
    "tracker.routers.ReplicaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "tracker.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The rows pages repeat by the hundred, one template per kind of record (tracker/jinja.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "rows",
        "DIRS": [BASE_DIR / "templates" / "rows"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "tracker.jinja.environment"},
    },
]

# Database: DATABASE_URL, or a SQLite file in var/. SQLite runs in WAL mode with a busy timeout
# and immediate write transactions, so readers never block an editor and writers queue instead
# of failing with "database is locked".
# var/ holds the database, uploads waiting for confirmation and caches: its owner's alone.
(BASE_DIR / "var").mkdir(exist_ok=True, mode=0o700)
(BASE_DIR / "var").chmod(0o700)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'tracker.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 600)
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_SQLITE_NAME") or None}

# Read replicas (PostgreSQL streaming replicas): anonymous page and API reads go to one of them,
# writes and everything an editor does go to the primary (see tracker/routers.py).
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{number}"] = dj_database_url.parse(
        url, conn_max_age=env_int("CONN_MAX_AGE", 600), conn_health_checks=True
    )
    # Tests: the replica serves the primary's test database, streamed to it.
    DATABASES[f"replica{number}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tracker.routers.ReplicaRouter"]
# Seconds an editor's browser keeps reading from the primary after a write.
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
# Each response names how many queries it sent to each database (the cluster test reads it).
DATABASE_QUERIES_HEADER = env_bool("DATABASE_QUERIES_HEADER")


def cache_from_url(url: str) -> dict:
    """CACHES["default"] from CACHE_URL: locmem:// (default), redis://host:port/db, file:///path,
    dummy://."""
    if not url or url.startswith("locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tracker"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if url.startswith("file://"):
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": url.removeprefix("file://")}  # fmt: skip
    if url.startswith("dummy://"):
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL: unknown scheme in {url!r}")


CACHE_URL = env_str("CACHE_URL")
CACHES = {"default": cache_from_url(CACHE_URL)}
# A shared cache (Redis) also holds sessions, so app servers keep no state of their own.
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Anonymous responses are cached this long at most (every edit invalidates them at once). Off by
# default with the per-process locmem cache, which other worker processes' edits cannot reach.
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 300 if CACHE_URL else 0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Small data sets named by purpose (`manage.py loaddata demo`), for demos and tests.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login protection (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from
# one address, that pair is locked out for AXES_COOLOFF_MINUTES. `manage.py axes_reset` unlocks.
AUTHENTICATION_BACKENDS = [
    "tracker.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
# The socket's address, or behind a trusted proxy the address it appended to X-Forwarded-For;
# trusting the header otherwise would let anyone reset their count at will.
AXES_CLIENT_IP_CALLABLE = "tracker.backends.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# The maps' boundaries: Natural Earth's, as world-atlas ships them (make run installs it).
WORLD_ATLAS = Path(env_str("WORLD_ATLAS", str(BASE_DIR / "node_modules" / "world-atlas")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start otherwise
# Development and tests serve static files straight from the app folders; production from
# STATIC_ROOT after collectstatic, with hashed names.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

# Imports: what one spreadsheet may unpack to and hold (tracker.importers.base.SheetLimits). A
# zip-packed .xlsx of 4 MB can unpack to gigabytes; a file past any of these is refused whole.
IMPORT_SHEET_MAX_UNPACKED_BYTES = env_int("IMPORT_SHEET_MAX_UNPACKED_BYTES", 300_000_000)
IMPORT_SHEET_MAX_RATIO = env_int("IMPORT_SHEET_MAX_RATIO", 100)
IMPORT_SHEET_MAX_ROWS = env_int("IMPORT_SHEET_MAX_ROWS", 1_000_000)
IMPORT_SHEET_MAX_COLUMNS = env_int("IMPORT_SHEET_MAX_COLUMNS", 100)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's JSON, written faster (see tracker.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "tracker.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # API tokens are stored as digests only (tracker.models.ApiToken).
        "tracker.backends.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # API rate limits per client (anonymous: per IP; logged in: per user), per process.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "60/minute"),
        "user": env_str("API_USER_RATE", "600/minute"),
        # The HTML lists (a search box is as easy to hammer as the API), per client likewise.
        "pages_anon": env_str("PAGES_ANON_RATE", "300/minute"),
        "pages_user": env_str("PAGES_USER_RATE", "1200/minute"),
    },
}

# Any query of a search (``q``) that runs longer than this is stopped with a clear 400
# (tracker.search.time_limit), on SQLite and PostgreSQL alike.
SEARCH_TIME_LIMIT = float(env_str("SEARCH_TIME_LIMIT", "3"))
# The counts beside a list (by country, theme, body...) share this many seconds; those that do
# not finish in time are shown as not counted (tracker.views._facets).
FACET_TIME_LIMIT = float(env_str("FACET_TIME_LIMIT", "0.3"))

# Uploads waiting for their confirmation in the admin's import (owner-only, swept after a day).
IMPORT_STASH_DIR = Path(env_str("IMPORT_STASH_DIR", str(BASE_DIR / "var" / "imports")))
IMPORT_STASH_HOURS = env_int("IMPORT_STASH_HOURS", 24)

SPECTACULAR_SETTINGS = {
    "TITLE": "Human-rights treaty compliance tracker API",
    # The docs page opens with this: how every endpoint behaves, before the endpoints.
    "DESCRIPTION": """Treaty status, monitoring bodies' concerns, government claims and reported
practice, every record with its source. The list of endpoints is at [/api/](/api/).

**Paging.** Lists are numbered pages: `page` (from 1) and `page_size` (default 50, at most
500). The JSON has `count`, `next`, `previous` and `results`; every format also sends
`X-Total-Count` and a `Link` header (`rel="next"`, `rel="prev"`). A page past the end is a 404.

**Order and filters.** Each list has a stable default order (ending with the id) and takes
`ordering=field,-field` (up to three of the fields its `ordering` parameter names; `-` for
descending; ties broken by id). Filters take comma lists (`country=KAZ,KGZ`); an unknown code
is a 400 naming it. A parameter the endpoint does not read (`countyr=KAZ`) is a 400 naming it
and listing those it reads.

**Formats.** `format=json` (default), `csv` or `xlsx` on every list and on `/api/compare/`
(CSV also with `Accept: text/csv`): one row per record, the JSON's fields as columns (`a.b`
for a nested object). Any other `format` is a 400 listing the formats.

**Errors** are JSON whatever the format: `{"detail": "...", "errors": {"field": ["..."]}}`.
400 bad input, 401/403 credentials or permission, 404 no such record (or a draft), 409 a
delete others depend on, 412 a stale `If-Match`, 429 too many requests.

**Rate limits.** Anonymous clients 60 requests a minute per address, logged-in users 600 a
minute each (defaults); past it a 429 with `Retry-After`.

**Authentication.** Reads need none: anonymous clients see published records, from any web
origin (read-only CORS, never with credentials). Editors also see drafts and may write, by
session or `Authorization: Token <key>`. A change (`PUT`, `PATCH`) may send `If-Match` with the
`ETag` of the record as read, and is refused with 412 if someone changed it since; any write
may send `X-Change-Reason`, kept in the record's history.""",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields are not asked for on writes.
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per vocabulary, shared by every field that uses it.
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "tracker.models.Precision",
        "EditorialStatusEnum": "tracker.models.Editorial",
        "TreatyStatusEnum": "tracker.models.TreatyStatus",
        "TreatyCellStatusEnum": "tracker.serializers.TREATY_CELL_STATUSES",  # with no_data
        "RatificationActionEnum": "tracker.models.Ratification.Action",
        "SourceKindEnum": "tracker.models.Source.Kind",
        "BodyKindEnum": "tracker.models.Body.Kind",
        "ConcernKindEnum": "tracker.models.Concern.Kind",
        "ClaimKindEnum": "tracker.models.Claim.Kind",
        "ReservationKindEnum": "tracker.models.Reservation.Kind",
        "StanceKindEnum": "tracker.models.Stance.Kind",
    },
    # Swagger UI and ReDoc files are served from our own origin: no CDN in the CSP, and readers'
    # addresses are not handed to a third party.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Security: everything below is on in production and off in development over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
# The language cookie: sent over HTTPS only in production, never to other sites, not to scripts.
LANGUAGE_COOKIE_SECURE = env_bool("LANGUAGE_COOKIE_SECURE", PRODUCTION)
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
