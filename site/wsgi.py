"""WSGI entry point for gunicorn: `gunicorn eupsite.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eupsite.settings.production")

application = get_wsgi_application()
