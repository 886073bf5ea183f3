"""POG Studio settings, driven by environment variables.

With no environment at all the studio runs "embedded": SQLite (WAL) and files
under ``var/``, the in-memory channel layer and an in-process job pool. Setting
``DATABASE_URL`` and ``REDIS_URL`` switches to "scale" mode: PostgreSQL,
channels-redis, Celery workers and Redis for shared state.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off).")


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def _env_float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not value >= minimum:  # also refuses NaN
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in _env_str(name, default).split(",") if item.strip()]


POG_VAR_DIR = Path(_env_str("POG_VAR_DIR") or BASE_DIR / "var").resolve()
POG_VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use POG_SECRET_KEY, else one generated once and kept under var/."""
    given = _env_str("POG_SECRET_KEY")
    if given:
        return given
    path = POG_VAR_DIR / "secret_key"
    if not path.exists():
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        try:
            # link() fails if another process won the race; then use its key.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("POG_DEBUG", False)
ALLOWED_HOSTS = _env_list("POG_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("POG_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "ninja",
    "accounts",
    "limbs",
    "provenance",
    "relics",
]

# OverheadMiddleware is sync-only and first on purpose: Django then leaves the event loop
# once per request and runs the whole stack below in that thread, instead of hopping
# to a thread and back for every async-capable middleware's request and response hooks.
MIDDLEWARE = [
    "pog_site.middleware.OverheadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Issue 12 (inputs): text and numbers no database stores are a 422 before any view.
    "pog_site.inputs.InputGuardMiddleware",
    "accounts.middleware.GuestMiddleware",
    "accounts.middleware.KillSwitchMiddleware",
    "accounts.threats.AnomalyMiddleware",
    "accounts.reads.ReadMeterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "pog_site.urls"
ASGI_APPLICATION = "pog_site.asgi.application"
WSGI_APPLICATION = None

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------

DATABASE_URL = _env_str("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    DATABASES: dict[str, Any] = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Named explicitly so a forked live server (channels' test case) finds the same test database.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", f"test_{DATABASES['default']['NAME']}")
    POG_MODE = "scale"
else:
    DATABASES = {
        "default": {
            "ENGINE": "pog_site.sqlite",
            "NAME": POG_VAR_DIR / "pog.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue instead of deadlocking mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": str(POG_VAR_DIR / f"test-pog-{os.getpid()}.sqlite3")},
            # Kept open by the job threads between jobs (opening one costs about 0.4 ms);
            # request threads are new per request under ASGI, so theirs go with them.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
    POG_MODE = "embedded"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "hud"
LOGOUT_REDIRECT_URL = "hud"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365

# --- transport security ---------------------------------------------------
# Production (DEBUG off, the default outside `make run`) marks cookies Secure; browsers
# still keep them on http://localhost and 127.0.0.1, which they treat as secure.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_bool("POG_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SAMESITE = "Lax"
# HSTS is only ever sent on HTTPS responses (SecurityMiddleware), so it is safe to default on.
SECURE_HSTS_SECONDS = _env_int("POG_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("POG_HSTS_SUBDOMAINS", True)
SECURE_SSL_REDIRECT = _env_bool("POG_SSL_REDIRECT", False)
if _env_bool("POG_BEHIND_TLS_PROXY", False):
    # Only behind a proxy that sets this header itself; otherwise clients could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = POG_VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root on every start
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = POG_VAR_DIR / "media"
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Daphne serves static files through WhiteNoise straight from the source folders,
# so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MIMETYPES = {".glb": "model/gltf-binary", ".mjs": "text/javascript"}

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- channels, jobs, shared state ----------------------------------------

REDIS_URL = _env_str("REDIS_URL")
POG_REDIS_PREFIX = _env_str("POG_REDIS_PREFIX", "pog")
if REDIS_URL:
    CHANNEL_LAYERS: dict[str, Any] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"{POG_REDIS_PREFIX}:asgi", "capacity": 500},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

POG_JOB_BACKEND = _env_str("POG_JOB_BACKEND", "celery" if REDIS_URL else "thread")
if POG_JOB_BACKEND not in {"thread", "celery"}:
    raise ImproperlyConfigured(f"POG_JOB_BACKEND={POG_JOB_BACKEND!r}: use 'thread' or 'celery'.")
if POG_JOB_BACKEND == "celery" and not REDIS_URL:
    raise ImproperlyConfigured("POG_JOB_BACKEND=celery needs REDIS_URL for the broker.")
# Job threads; twice the cores by default, so one waits on the database while another's
# generator computes in a child process (POG_PROCS, below).
POG_WORKERS = _env_int("POG_WORKERS", max(2, 2 * (os.cpu_count() or 1)), minimum=1)
# A claimed job whose worker vanished is taken over after this many seconds.
POG_JOB_STALE_S = _env_int("POG_JOB_STALE_S", 300, minimum=5)
# Idle request threads kept between HTTP requests, each with its database connection
# (pog_site.request_threads); a burst beyond this opens new ones and closes them after.
POG_REQUEST_THREADS = _env_int("POG_REQUEST_THREADS", 16, minimum=1)

# --- capacity (issue #12, point 2 and 6) -----------------------------------
# Child processes that run generators out of the GIL's way (pog_site.procs): one per core in
# embedded mode; none in scale mode, where Celery's worker processes already use every core.
POG_PROCS = _env_int("POG_PROCS", (os.cpu_count() or 1) if POG_JOB_BACKEND == "thread" else 0, minimum=0)
# A child is replaced after this many jobs (0: never), so memory a generator kept is returned.
POG_PROCS_TASKS_PER_CHILD = _env_int("POG_PROCS_TASKS_PER_CHILD", 2000, minimum=0)
POG_PROCS_PRELOAD = ["limbs.procedural_child", "relics.decoding"]
# The children also set Django up and run whole job bodies (claim, route, store) when no
# remote tier could take part (limbs/runs.py): the server process then only answers requests.
POG_PROCS_JOBS = _env_bool("POG_PROCS_JOBS", POG_JOB_BACKEND == "thread")
POG_PROCS_JOBS_PRELOAD = ["limbs.runs"]
# Apps a child leaves out: the web server's (daphne's twisted stack is 15 MB a job never uses).
POG_PROCS_JOBS_SKIP_APPS = ["daphne"]
# Threads that compute at once in a server process (pog_site/turns.py); the rest wait for a
# turn without churning the interpreter lock. Waiting for a job, a generator process or a
# provider gives the turn back.
POG_BUSY_THREADS = _env_int("POG_BUSY_THREADS", max(2, os.cpu_count() or 1), minimum=1)
# At most this many requests run on threads at once; more wait for a thread (bounded memory).
POG_REQUEST_THREADS_MAX = _env_int("POG_REQUEST_THREADS_MAX", 32, minimum=1)
# Scale mode's fairness: an owner's jobs of this window each sink one priority step (of 10).
POG_FAIR_WINDOW_S = _env_int("POG_FAIR_WINDOW_S", 60, minimum=1)
# Heaps the C allocator keeps in the server process (0: its own default, one per thread).
POG_MALLOC_ARENAS = _env_int("POG_MALLOC_ARENAS", 2, minimum=0)
# Embedded mode: resubmit unfinished jobs when the server process starts (pog_site.asgi).
POG_RESUME_AT_START = _env_bool("POG_RESUME_AT_START", True)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = _env_str("POG_CELERY_QUEUE", "pog")
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "global_keyprefix": f"{POG_REDIS_PREFIX}:",
    # Ten priority steps, 0 served first: pog_site.jobs sinks a busy owner's jobs (issue #12).
    "priority_steps": list(range(10)),
    "sep": ":",
    "queue_order_strategy": "priority",
}

# --- providers and the fallback chain -----------------------------------
# An unset provider is skipped at zero cost and shown as "not configured".

POG_CLOUDFLARE_ACCOUNT_ID = _env_str("POG_CLOUDFLARE_ACCOUNT_ID")
POG_CLOUDFLARE_API_TOKEN = _env_str("POG_CLOUDFLARE_API_TOKEN")
POG_CLOUDFLARE_BASE_URL = _env_str("POG_CLOUDFLARE_BASE_URL", "https://api.cloudflare.com").rstrip("/")
POG_GEMINI_API_KEY = _env_str("POG_GEMINI_API_KEY")
POG_GEMINI_BASE_URL = _env_str("POG_GEMINI_BASE_URL", "https://generativelanguage.googleapis.com").rstrip("/")
POG_OLLAMA_URL = _env_str("POG_OLLAMA_URL", "http://127.0.0.1:11434").rstrip("/")

POG_BREAKER_WINDOW_S = _env_int("POG_BREAKER_WINDOW_S", 30, minimum=1)
POG_BREAKER_MIN_REQUESTS = _env_int("POG_BREAKER_MIN_REQUESTS", 5, minimum=1)
POG_BREAKER_ERROR_RATE = _env_float("POG_BREAKER_ERROR_RATE", 0.5, minimum=0.01)
POG_BREAKER_OPEN_S = _env_int("POG_BREAKER_OPEN_S", 15, minimum=1)
POG_BREAKER_MAX_OPEN_S = _env_int("POG_BREAKER_MAX_OPEN_S", 300, minimum=1)
# Stalls and timeouts each cost a whole hop timeout: this many in a row open at once.
POG_BREAKER_SLOW_TRIP = _env_int("POG_BREAKER_SLOW_TRIP", 1, minimum=1)
# The longest one remote hop may take, whatever the request's budget.
POG_HOP_TIMEOUT_S = _env_float("POG_HOP_TIMEOUT_S", 10.0, minimum=0.1)
# How long a request waits on a half-open breaker's probe before moving down the chain;
# the probe itself runs on in the background to its hop timeout and settles the breaker.
POG_PROBE_PATIENCE_S = _env_float("POG_PROBE_PATIENCE_S", 0.25, minimum=0.0)
# Seconds of every request's budget kept back for the procedural tier (the ghost limb).
POG_PROCEDURAL_RESERVE_S = _env_float("POG_PROCEDURAL_RESERVE_S", 2.0)

# --- studio limits --------------------------------------------------------

POG_MAX_INTENT_CHARS = _env_int("POG_MAX_INTENT_CHARS", 2000, minimum=1)
POG_MAX_WAIT_S = _env_int("POG_MAX_WAIT_S", 60, minimum=1)
POG_GUESTS_PER_MINUTE = _env_int("POG_GUESTS_PER_MINUTE", 30, minimum=1)
# Pre-threat detection: an identity is flagged (and throttled) when a minute's count of
# requests, errors or bad inputs sits this many standard deviations above its own EWMA.
POG_ANOMALY_Z = _env_float("POG_ANOMALY_Z", 4.0, minimum=1.0)
POG_ANOMALY_BUCKET_S = _env_int("POG_ANOMALY_BUCKET_S", 60, minimum=1)
POG_ANOMALY_MIN_HISTORY = _env_int("POG_ANOMALY_MIN_HISTORY", 5, minimum=1)
# --- abuse that rotates identities (issue 12, point 4) ---------------------
# Proxies whose X-Forwarded-For is believed (addresses or networks); from anyone else the
# header is ignored and the peer address is the client.
POG_TRUSTED_PROXIES = _env_list("POG_TRUSTED_PROXIES", "")
for _proxy in POG_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"POG_TRUSTED_PROXIES: {_proxy!r} is not an address or network (e.g. 127.0.0.1, 10.0.0.0/8)."
        ) from None
# An address whose requests were refused as oversized (414/431) this often within a minute is
# answered 429 on every new connection for the rest of that minute (pog_site/server.py).
POG_REFUSALS_PER_ADDRESS_MINUTE = _env_int("POG_REFUSALS_PER_ADDRESS_MINUTE", 60, minimum=1)
# Clients are also counted by network: IPv4 /24, IPv6 /56 (one ISP customer; see accounts/addresses.py).
POG_LIMIT_PREFIX_V4 = _env_int("POG_LIMIT_PREFIX_V4", 24, minimum=8)
POG_LIMIT_PREFIX_V6 = _env_int("POG_LIMIT_PREFIX_V6", 56, minimum=16)
# An address, and a prefix, may make this many times one identity's tier allowance together.
POG_LIMIT_ADDRESS_MULTIPLE = _env_float("POG_LIMIT_ADDRESS_MULTIPLE", 20.0, minimum=1.0)
POG_LIMIT_PREFIX_MULTIPLE = _env_float("POG_LIMIT_PREFIX_MULTIPLE", 60.0, minimum=1.0)
# A guest gets a third of its tier's rate for its first ten minutes.
POG_NEWCOMER_S = _env_int("POG_NEWCOMER_S", 600, minimum=0)
POG_NEWCOMER_DIVISOR = _env_int("POG_NEWCOMER_DIVISOR", 3, minimum=2)
# Guests one network may make a minute (POG_GUESTS_PER_MINUTE is per address).
POG_GUESTS_PER_PREFIX_MINUTE = _env_int("POG_GUESTS_PER_PREFIX_MINUTE", 90, minimum=1)
# API reads (GET/HEAD under /api/) a minute per identity and per address; paths never metered.
POG_READS_PER_MINUTE = _env_int("POG_READS_PER_MINUTE", 300, minimum=1)
POG_READS_PER_ADDRESS_MINUTE = _env_int("POG_READS_PER_ADDRESS_MINUTE", 3000, minimum=1)
# Pages opened a minute per address by people the studio does not know (no session, no token):
# a person opens one every few seconds at most, and a page costs far more than an API read.
POG_PAGES_PER_ADDRESS_MINUTE = _env_int("POG_PAGES_PER_ADDRESS_MINUTE", 120, minimum=1)
POG_READS_EXEMPT = _env_list("POG_READS_EXEMPT", "/api/health,/api/docs,/api/openapi.json")
POG_WS_CONNECTS_PER_ADDRESS_MINUTE = _env_int("POG_WS_CONNECTS_PER_ADDRESS_MINUTE", 120, minimum=1)
# Bursts flagged within a minute (accounts/bursts.py): counts over POG_BURST_WINDOW_S in slots of
# POG_BURST_SLOT_S that flag (and throttle) an identity, an address or a network prefix.
POG_BURST_WINDOW_S = _env_int("POG_BURST_WINDOW_S", 60, minimum=1)
POG_BURST_SLOT_S = _env_int("POG_BURST_SLOT_S", 5, minimum=1)
POG_BURST_IDENTITY_REQUESTS = _env_int("POG_BURST_IDENTITY_REQUESTS", 300, minimum=1)
POG_BURST_IDENTITY_REFUSED = _env_int("POG_BURST_IDENTITY_REFUSED", 60, minimum=1)
POG_BURST_IDENTITY_BAD_INPUT = _env_int("POG_BURST_IDENTITY_BAD_INPUT", 30, minimum=1)
POG_BURST_ADDRESS_REQUESTS = _env_int("POG_BURST_ADDRESS_REQUESTS", 600, minimum=1)
POG_BURST_ADDRESS_IDENTITIES = _env_int("POG_BURST_ADDRESS_IDENTITIES", 40, minimum=1)
POG_BURST_PREFIX_IDENTITIES = _env_int("POG_BURST_PREFIX_IDENTITIES", 120, minimum=1)
POG_BURST_PREFIX_NEW_IDENTITIES = _env_int("POG_BURST_PREFIX_NEW_IDENTITIES", 30, minimum=1)
POG_BURST_POPULATION_FACTOR = _env_float("POG_BURST_POPULATION_FACTOR", 10.0, minimum=1.0)
# Server folders staff may register relic caches from, and the upload size limit.
POG_RELIC_DIRS = _env_list("POG_RELIC_DIRS", "")
POG_RELIC_MAX_UPLOAD_MB = _env_int("POG_RELIC_MAX_UPLOAD_MB", 200, minimum=1)
# --- uploads (issue 12, point 1) ---
# Request bodies are refused with 413 as soon as they pass a limit (request_threads.py):
# POG_MAX_BODY_MB for most paths, the relic cap plus a megabyte on the paths that take caches.
POG_MAX_BODY_MB = _env_int("POG_MAX_BODY_MB", 16, minimum=1)
POG_LARGE_BODY_PATHS = ("/api/relics/caches", "/relics/upload")
# Uploaded files go to temporary files on disk, never whole into memory.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# A zip may inflate to at most this many times its compressed size (checked while inflating).
POG_ZIP_MAX_RATIO = _env_int("POG_ZIP_MAX_RATIO", 100, minimum=2)
# Relic uploads wait here (shared with Celery workers on the same machine) until decoded.
POG_RELIC_STAGING_DIR = POG_VAR_DIR / "relic-staging"
# Cache uploads one person may have waiting or decoding at once (a 429 past it).
POG_RELIC_UPLOADS_AT_ONCE = _env_int("POG_RELIC_UPLOADS_AT_ONCE", 1, minimum=1)
# The tier (its slug) that new guests and accounts get; tiers are data, edited in the admin.
POG_DEFAULT_TIER = _env_str("POG_DEFAULT_TIER", "free")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env_str("POG_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # One INFO line per provider request would cost more than the routing itself.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# Issue 12, point 3 (growth bounded): unclaimed guests and their files expire this many days
# after their last activity; the sweep runs every POG_GUEST_SWEEP_S seconds in each server
# process (0 turns the timer off; `manage.py expire_guests` runs it by hand); one request may
# store at most POG_MAX_OUTPUT_MB of outputs.
POG_GUEST_TTL_DAYS = _env_int("POG_GUEST_TTL_DAYS", 30, minimum=1)
POG_GUEST_SWEEP_S = _env_int("POG_GUEST_SWEEP_S", 3600, minimum=0)
POG_MAX_OUTPUT_MB = _env_int("POG_MAX_OUTPUT_MB", 16, minimum=1)
