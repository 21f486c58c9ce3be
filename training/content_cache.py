"""What every lesson page reads and only an editor changes, kept in each process.

A slide page needs the site, the course and its live sections in order, which sections have
questions, when a material policy change restarts a section, the source documents' titles and
the view restrictions. Read from the database on every request, that was most of a slide's
time. Here each process keeps them in memory under the value of ContentVersion, which it reads
once per request: every change to what learners are shown gives that row a new value in the
same transaction (training.signals), so another process, on this host or another, rebuilds at
its next request. Outside a request (commands, tests calling selectors), nothing is kept.
"""

import threading
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from .models import ContentVersion


@dataclass
class _RequestScope:
    number: uuid.UUID | None = None
    read: bool = False


@dataclass
class _Memo:
    number: object
    values: dict = field(default_factory=dict)


_scope: ContextVar[_RequestScope | None] = ContextVar("training_content_scope", default=None)
_memo = _Memo(number=object())
_memo_lock = threading.Lock()


def content_version_bump() -> None:
    """What learners are shown changed: every process rebuilds what it keeps. Call it inside
    the transaction that makes the change, so the two commit together."""
    if not ContentVersion.objects.filter(pk=1).update(value=uuid.uuid4()):
        ContentVersion.objects.create(pk=1)
    scope = _scope.get()
    if scope is not None:
        # This request changed the content: it reads the new value when it next asks.
        scope.read = False


def content_version() -> uuid.UUID | None:
    return ContentVersion.objects.filter(pk=1).values_list("value", flat=True).first()


def memoized(key, build):
    """build(), kept under `key` while the content stays as it is. Inside a request the version
    is read once (one query); outside a request build() runs every time."""
    global _memo
    scope = _scope.get()
    if scope is None:
        return build()
    if not scope.read:
        scope.number, scope.read = content_version(), True
    memo = _memo
    if memo.number != scope.number:
        with _memo_lock:
            if _memo.number != scope.number:
                _memo = _Memo(number=scope.number)
            memo = _memo
    try:
        return memo.values[key]
    except KeyError:
        value = build()
        if memo.number == scope.number:
            memo.values[key] = value
        return value


def forget() -> None:
    """Drop what this process keeps (tests that change content without a signal)."""
    global _memo
    with _memo_lock:
        _memo = _Memo(number=object())


LEARNER_APPS = ("training.", "quizzes.", "certificates.")


class ContentScopeMiddleware:
    """Opens the request's scope, so that what it reads is kept, and hands Wagtail the site
    from memory."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _scope.set(_RequestScope())
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from wagtail.views import serve

        # Wagtail's page serving, and the page links ({% pageurl %}) of the learner's quiz and
        # certificate pages, ask Site.find_for_request, which reads this first. Other views
        # (the admin, /health/) and a learner's form posts (which mostly redirect) do not pay
        # for reading the content version.
        learner_page = view_func is serve or (
            request.method == "GET" and view_func.__module__.startswith(LEARNER_APPS)
        )
        if learner_page and not hasattr(request, "_wagtail_site"):
            request._wagtail_site = site_for_request(request)


def site_for_request(request):
    """Wagtail's site for this host and port, with its root page in its specific form."""
    from django.http.request import split_domain_port
    from wagtail.models import Site

    hostname = split_domain_port(request._get_raw_host())[0]
    port = request.get_port()

    def build():
        site = Site._find_for_request(request)
        if site is not None:
            root = site.root_page.specific
            root.kept_in_memory = True
            site.root_page = root
        return site

    return memoized(("site", hostname, port), build)


def view_restrictions(*, path: str) -> list:
    """The view restrictions on the page at `path` and its ancestors, as Wagtail's page serving
    checks them (groups read with them)."""
    from wagtail.models import PageViewRestriction

    def build():
        restrictions = PageViewRestriction.objects.select_related("page").prefetch_related("groups")
        return [(r.page.path, r) for r in restrictions.order_by("page__depth")]

    return [r for at, r in memoized(("view_restrictions",), build) if path.startswith(at)]
