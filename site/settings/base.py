"""Settings shared by every environment; dev, test and production import from here."""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

# site/settings/base.py -> the repository root is three levels up.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "site"
VAR_DIR = BASE_DIR / "var"

# The course's source files (slides and questions) that load_course reads.
COURSE_CONTENT_DIR = BASE_DIR / "content"

INSTALLED_APPS = [
    "eupsite",
    "training",
    "quizzes",
    "certificates",
    "staff",
    "reports",
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.settings",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "polymorphic",
    "axes",
    "django_ratelimit",
    # Single sign-on (eupsite.sso): only allauth's social-account callbacks are routed; its own
    # sign-up and password pages are not (see urls.py).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "eupsite.middleware.HealthCheckMiddleware",
    "eupsite.middleware.ForwardedClientIpMiddleware",
    "eupsite.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "eupsite.middleware.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) or the switcher's cookie; see eupsite.language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # A signed-in person's own choice of language wins over their browser's.
    "eupsite.language.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Keeps the course's structure in memory between content changes (one query per request).
    "training.content_cache.ContentScopeMiddleware",
    "eupsite.middleware.IdleSessionTimeoutMiddleware",
    "eupsite.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "eupsite.throttling.LoginThrottleMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "eupsite.throttling.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "eupsite.urls"

# Addresses (or networks) of the proxies in front of the app whose X-Forwarded-For is believed.
# None here: with runserver, clients connect directly. See ForwardedClientIpMiddleware.
TRUSTED_PROXIES: list[str] = []

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "eupsite.context_processors.district",
            ],
        },
    },
]

WSGI_APPLICATION = "eupsite.wsgi.application"

# SQLite in the git-ignored var/ folder unless DATABASE_URL names another database
# (postgres://user@host:5432/name selects PostgreSQL through psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so two simultaneous submissions queue
    # instead of one failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2id first (eupsite.hashers); the others only so that a password stored with them (every
# account made before the switch, PBKDF2) still works and is re-hashed with Argon2id at its
# owner's next sign-in.
PASSWORD_HASHERS = [
    "eupsite.hashers.DistrictArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): 5 failures for one account from one address lock that pair
# out for 15 minutes (a lockout that never ends would be the default).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Two more limits (eupsite.throttling), counting wrong passwords only: one address trying many
# accounts (sized for a school building, where hundreds of staff share one address), and one
# account tried from many addresses (a short window: it slows guessing, it cannot keep a
# person out for long).
LOGIN_FAILURES_PER_ADDRESS = "60/15m"
LOGIN_FAILURES_PER_ACCOUNT = "10/5m"
# Password reset requests, per address and per e-mail address asked for.
RESET_REQUESTS_PER_ADDRESS = "20/h"
RESET_REQUESTS_PER_EMAIL = "3/h"

# Content-Security-Policy (django-csp): scripts only from this site, never inline. Styles may
# be inline because the Wagtail admin sets style attributes. The admin (ADMIN_URL_PREFIX) also
# allows inline script, which its widgets need: see eupsite.middleware.SiteCSPMiddleware.
ADMIN_URL_PREFIX = "/admin/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# The public certificate verification page: requests per address per minute.
VERIFY_RATE_LIMIT = "20/m"

# --- Single sign-on with Google Workspace and Microsoft Entra ID (eupsite.sso) ----------------
# Configured from the environment only (README, "Single sign-on"): a provider whose client id
# and secret are both set shows its button on the sign-in page; the others do not exist.
GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"


def sso_providers(environ: Mapping[str, str]) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for the providers `environ` configures. Each is an
    OpenID Connect app whose ID token alone is read (signed, checked by eupsite.sso); the
    district's Google domain (hd) or Entra tenant (tid) goes with it."""

    def env(name: str) -> str:
        return environ.get(name, "").strip()

    apps = []
    if env("SSO_GOOGLE_CLIENT_ID") and env("SSO_GOOGLE_CLIENT_SECRET"):
        domain = env("SSO_GOOGLE_DOMAIN").lower()
        apps.append(
            {
                "provider_id": "google",
                "name": "Google",
                "client_id": env("SSO_GOOGLE_CLIENT_ID"),
                "secret": env("SSO_GOOGLE_CLIENT_SECRET"),
                "settings": {
                    "server_url": env("SSO_GOOGLE_ISSUER") or GOOGLE_ISSUER,
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                    "district_kind": "google",
                    "district_domain": domain,
                    # hd asks Google to offer the district's accounts only; the ID token's
                    # own hd claim is still checked (a user can edit this request).
                    "auth_params": {"hd": domain, "prompt": "select_account"} if domain else {},
                },
            }
        )
    if env("SSO_MICROSOFT_CLIENT_ID") and env("SSO_MICROSOFT_CLIENT_SECRET"):
        tenant = env("SSO_MICROSOFT_TENANT_ID").lower()
        apps.append(
            {
                "provider_id": "microsoft",
                "name": "Microsoft",
                "client_id": env("SSO_MICROSOFT_CLIENT_ID"),
                "secret": env("SSO_MICROSOFT_CLIENT_SECRET"),
                "settings": {
                    "server_url": env("SSO_MICROSOFT_ISSUER")
                    or MICROSOFT_ISSUER.format(tenant=tenant or "organizations"),
                    "fetch_userinfo": False,
                    "oauth_pkce_enabled": True,
                    "district_kind": "microsoft",
                    "district_tenant": tenant,
                    "auth_params": {"prompt": "select_account"},
                },
            }
        )
    return {"openid_connect": {"provider_class": "eupsite.sso.DistrictOIDCProvider", "APPS": apps}}


SOCIALACCOUNT_PROVIDERS = sso_providers(os.environ)
# The ID-token claim that carries HR's employee id (e.g. "employee_id", or an Entra optional
# claim such as "employeeid"), for districts whose staff e-mail is not on the roster. Empty: off.
SSO_EMPLOYEE_ID_CLAIM = os.environ.get("SSO_EMPLOYEE_ID_CLAIM", "").strip()
# Whom a person who is not on the roster should contact, named on the page that turns them away.
DISTRICT_HR_CONTACT = (
    os.environ.get("DISTRICT_HR_CONTACT", "").strip() or "the district's Human Resources office"
)
SOCIALACCOUNT_ADAPTER = "eupsite.sso.DistrictSocialAccountAdapter"
ACCOUNT_ADAPTER = "eupsite.sso.DistrictAccountAdapter"
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = ""
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
ACCOUNT_EMAIL_VERIFICATION = "none"

LOGIN_URL = "login"
# The admin sends people to the site's sign-in page (password, then the second factor), and its
# own /admin/login/ redirects there (eupsite.urls): one way in, never one around the second factor.
WAGTAILADMIN_LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The languages the site and its course are offered in (eupsite.language). Each name is
# written in its own language, as a switcher shows it.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The admin's Account page offers the same two: it sets the same preference as the switcher.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Background tasks (django-tasks). Our e-mail and file tasks use "background": a queue table
# in the project's database, worked by `manage.py run_worker`. Wagtail's own small tasks
# (search and reference index updates) stay on "default", run at once in the request.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
# An e-mail the mail server refused is tried again after each of these delays, then given up
# and shown as failed in the admin's e-mail outbox.
EMAIL_RETRY_DELAYS = [
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
]
# A task still "running" after this long is taken to have lost its worker (see run_worker).
TASK_STALE_AFTER = timedelta(minutes=30)
# A prepared file whose worker stopped this many times is reported as failed, not retried.
PREPARED_FILE_MAX_ATTEMPTS = 3
# Prepared downloads (copies of staff records) are deleted this long after they were made.
PREPARED_FILE_KEEP = timedelta(days=7)

# The organisation named on pages and, later, on certificates.
DISTRICT_NAME = "Waterbury Public Schools"
# Who every e-mail (invitations, reminders, certificates, password resets) comes from, as
# "Name <address>". Production reads DEFAULT_FROM_EMAIL from the environment: use a district
# address that can receive the replies people will send.
DEFAULT_FROM_EMAIL = f"{DISTRICT_NAME} training <training@localhost>"

# Training cycles follow the school year: it starts on July 1, the refresher is due by
# October 1, and a new hire has 30 days from the hire date.
TRAINING_CYCLE_START = (7, 1)
TRAINING_REFRESHER_DUE = (10, 1)
TRAINING_NEW_HIRE_DUE_DAYS = 30
# A roster import that would mark more than this share of the active staff inactive (what a
# headers-only or cut-off file with "deactivate missing" does) needs the count confirmed, or
# --force on the command line.
ROSTER_DEACTIVATE_MAX_SHARE = 0.2
ROSTER_DEACTIVATE_CONFIRM_FROM = 5
# Which OneRoster users.csv value is the employee id HR's CSV uses: "identifier" (the
# default), "sourcedId", or "userIds:TYPE" for the {TYPE:...} entry of userIds (e.g.
# "userIds:HR").
ONEROSTER_EMPLOYEE_ID = "identifier"
# send_reminders writes to the same person at most once in this many days.
REMINDER_INTERVAL_DAYS = 7

WAGTAIL_SITE_NAME = "Electronic Use Policies training"
# No request leaves the site: no Gravatar images, no check for new Wagtail releases.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Wagtail's own /admin/password_reset/ sends mail directly, outside the outbox: the site's reset
# (accounts/password-reset/) is the only one.
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Every time an administrator sees is in the district's time zone (TIME_ZONE), so there is no
# per-user choice to make (and none that could disagree with e-mails, exports and PDFs).
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx", "zip"]

# Sessions are read from the cache (Redis in production) and written to both: a page saves a
# query, and a session still outlives a cache restart.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# School computers are shared: a session with no request for this long ends.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# One-time sign-in codes HR prints for staff without a work e-mail (staff.sign_in_codes): each
# works until the end of the day this many days after printing, and stops after this many wrong
# tries; the page that takes them is limited per address (requests a minute).
SIGN_IN_CODE_VALID_DAYS = 14
SIGN_IN_CODE_MAX_FAILURES = 5
SIGN_IN_CODE_RATE_LIMIT = "10/m"

# The second factor (django-otp) for everyone who can reach the admin: TOTP from an
# authenticator app, or one of ten one-time recovery codes. django-otp's own per-device delay
# (a wrong code makes the next try wait 1, 2, 4... seconds and then refuses even a right code
# without saying why) is off: the limits below count wrong codes and say how long to wait.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
SECOND_FACTOR_FAILURES_PER_ACCOUNT = "5/5m"
SECOND_FACTOR_FAILURES_PER_ADDRESS = "30/15m"
RECOVERY_CODE_COUNT = 10
# After a right password, the second factor must follow within this many seconds.
SECOND_FACTOR_PENDING_SECONDS = 300

# A district that signs its staff in through its identity provider (Google Workspace or
# Microsoft Entra ID) turns password sign-in off for learners: eupsite.sso_policy. People who
# can reach the admin keep their password and second factor, for when the provider is down.
SSO_REQUIRED_FOR_STAFF = os.environ.get("SSO_REQUIRED_FOR_STAFF", "").lower() in (
    "1",
    "true",
    "yes",
    "on",
)
# An administrator who signs in through the district's identity provider has passed that
# provider's own second factor (the district's Google Workspace 2-Step Verification or Entra
# multifactor policy) and is not asked for ours. A district whose provider does not ask for one
# sets this off, and administrators then type our code after the provider too.
SSO_COUNTS_AS_SECOND_FACTOR = os.environ.get("SSO_COUNTS_AS_SECOND_FACTOR", "on").lower() in (
    "1",
    "true",
    "yes",
    "on",
)
