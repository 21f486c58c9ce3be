"""Every change to what learners are shown gives the content version a
new value (training.content_cache), in the transaction that makes it."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .content_cache import content_version_bump
from .models import PolicyVersion, SourceDocument


def _content_changed(**kwargs) -> None:
    content_version_bump()


def _model_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    if issubclass(sender, (Page, Site, PageViewRestriction, SourceDocument, PolicyVersion)):
        content_version_bump()


def connect() -> None:
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(_content_changed, dispatch_uid=f"training_content_{id(signal)}")
    # Each page type (of every app) and each of the other models, by sender: a post_delete
    # receiver for every model would cost every bulk delete its fast path.
    watched = (Page, Site, PageViewRestriction, SourceDocument, PolicyVersion)
    for model in apps.get_models():
        if issubclass(model, watched):
            post_save.connect(_model_changed, sender=model, dispatch_uid=f"content_saved_{model}")
            post_delete.connect(
                _model_changed, sender=model, dispatch_uid=f"content_deleted_{model}"
            )
    m2m_changed.connect(
        _content_changed,
        sender=PageViewRestriction.groups.through,
        dispatch_uid="training_content_restriction_groups",
    )
