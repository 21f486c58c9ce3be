"""Settings for a worker process started by tests/jobs/test_worker_killed.py."""

import os

from eupsite.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.jobs.stalling.StallingEmailBackend"
EMAIL_FILE_PATH = os.environ["WORKER_MAIL_DIR"]
MEDIA_ROOT = os.environ["WORKER_MEDIA_ROOT"]
STORAGES = {
    "default": {"BACKEND": "tests.jobs.stalling.StallingStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
