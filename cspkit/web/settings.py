"""Django settings for the cspkit web app.

Everything that differs between a laptop and production comes from the environment, so
the same package runs both (see docs/deployment.md):

* ``CSPKIT_DATABASE_URL`` - a database URL (``postgres://user:pass@host:5432/db``); unset
  means SQLite at ``$CSPKIT_WEB_DB`` or ``web.sqlite3`` in the per-user data folder.
* ``CSPKIT_SECRET_KEY`` - required in production; unset, a random key is generated once and
  kept beside the SQLite file so sessions survive restarts on a laptop.
* ``CSPKIT_ALLOWED_HOSTS`` (comma separated), ``CSPKIT_DEBUG=1``, ``CSPKIT_HTTPS=1``
  (secure cookies, HSTS, redirect to https), ``CSPKIT_STATIC_ROOT``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from platformdirs import user_data_dir

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_path() -> Path:
    explicit = os.environ.get("CSPKIT_WEB_DB")
    path = Path(explicit) if explicit else Path(user_data_dir("cspkit")) / "web.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(sqlite_path: Path | None) -> str:
    key = os.environ.get("CSPKIT_SECRET_KEY")
    if key:
        return key
    if _flag("CSPKIT_HTTPS"):
        # Served over HTTPS means a shared server: its key must be set on purpose.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "CSPKIT_HTTPS is set but CSPKIT_SECRET_KEY is not: set CSPKIT_SECRET_KEY to a "
            "long random value (see docs/deployment.md)."
        )
    folder = sqlite_path.parent if sqlite_path else Path(user_data_dir("cspkit"))
    folder.mkdir(parents=True, exist_ok=True)
    keyfile = folder / "web-secret-key"
    if not keyfile.exists():
        keyfile.write_text(secrets.token_urlsafe(50))
        keyfile.chmod(0o600)
    return keyfile.read_text().strip()


DEBUG = _flag("CSPKIT_DEBUG")
HTTPS = _flag("CSPKIT_HTTPS")

_database_url = os.environ.get("CSPKIT_DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    _SQLITE = None
else:
    _SQLITE = _sqlite_path()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_SQLITE),
            # WAL lets readers work while one writer commits; wait rather than fail on a lock.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

SECRET_KEY = _secret_key(_SQLITE)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("CSPKIT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "cspkit.web.plan",
    "cspkit.web.kpis",
    "cspkit.web.meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Login throttling (django-axes) must come last.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "cspkit.web.urls"
WSGI_APPLICATION = "cspkit.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cspkit.web.plan.context.membership",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Five wrong passwords for one user from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Set only where collectstatic runs (production); unset, WhiteNoise serves from the package.
STATIC_ROOT = os.environ.get("CSPKIT_STATIC_ROOT") or None
# Serve straight from the app's static folder when collectstatic has not been run (laptops);
# production runs collectstatic into STATIC_ROOT (docs/deployment.md).
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The plan's action tables are cached (per filter and editor) until an action changes;
# 0 turns the cache off. Each server process has its own in-memory cache.
CSPKIT_PAGE_CACHE_SECONDS = int(os.environ.get("CSPKIT_PAGE_CACHE_SECONDS", "300"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING"}},
}
