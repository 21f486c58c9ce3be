"""Which sections have questions is part of the course's structure that every process keeps
in memory (training.content_cache): a quiz or question saved or deleted gives the content
version a new value."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from training.content_cache import content_version_bump

from .models import Question, Quiz


def _quiz_changed(sender, **kwargs) -> None:
    if not kwargs.get("raw") and issubclass(sender, (Quiz, Question)):
        content_version_bump()


def connect() -> None:
    # A question is saved as its own type (single choice, scenario...): each is a sender.
    for model in apps.get_models():
        if issubclass(model, (Quiz, Question)):
            post_save.connect(_quiz_changed, sender=model, dispatch_uid=f"quiz_saved_{model}")
            post_delete.connect(_quiz_changed, sender=model, dispatch_uid=f"quiz_deleted_{model}")
