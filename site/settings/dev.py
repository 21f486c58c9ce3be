"""Local development: `make run`. Never use these settings on a server."""

from .base import *  # noqa: F403

DEBUG = True
# A fixed key is acceptable here only because these settings never serve real users.
SECRET_KEY = "dev-only-not-secret-eup-training"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Static files come straight from the app folders (no collectstatic needed).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# One process, so the in-memory cache is enough for rate limiting here (production uses Redis).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
