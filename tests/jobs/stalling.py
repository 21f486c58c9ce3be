"""For the worker-kill tests: a mail backend and a file storage that stall, once, in the middle
of their work, so the test can kill the worker process right there."""

import os
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.core.mail.backends.filebased import EmailBackend


def stall_once():
    marker = Path(os.environ["WORKER_STALL_MARKER"])
    if not marker.exists():
        marker.touch()
        time.sleep(300)  # the test kills the worker long before this ends


class StallingEmailBackend(EmailBackend):
    def send_messages(self, email_messages):
        stall_once()
        return super().send_messages(email_messages)


class StallingStorage(FileSystemStorage):
    def _save(self, name, content):
        stall_once()
        return super()._save(name, content)
