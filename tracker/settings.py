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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # ETag / Last-Modified answers with 304 Not Modified when the client's copy is current.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before WhiteNoise, so static files carry the same headers as pages.
    "tracker.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
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
]

# Database: DATABASE_URL, or a SQLite file in var/. SQLite runs in WAL mode with a busy timeout
# and immediate write transactions, so readers never block an editor and writers queue instead
# of failing with "database is locked".
(BASE_DIR / "var").mkdir(exist_ok=True)
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

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's JSON, written faster (see tracker.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "tracker.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
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
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Human-rights treaty compliance tracker API",
    "DESCRIPTION": "Treaty status, monitoring bodies' concerns, government claims and reported "
    "practice, every record with its source.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: read-only fields are not asked for on writes.
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per vocabulary, shared by every field that uses it.
    "ENUM_NAME_OVERRIDES": {
        "PrecisionEnum": "tracker.models.Precision",
        "EditorialStatusEnum": "tracker.models.Editorial",
        "TreatyStatusEnum": "tracker.models.TreatyStatus",
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
