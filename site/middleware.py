import logging
import time
from functools import lru_cache
from ipaddress import ip_address, ip_network

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from eupsite.permissions import ADMIN_LINK_KEY, admin_link_shown, can_use_admin
from eupsite.second_factor import (
    SECOND_FACTOR_MENU_KEY,
    may_reset_second_factors,
    session_second_factor_passed,
)

LAST_ACTIVITY_KEY = "last_activity"
logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """GET /health/ for a load balancer: "ok" when this server can reach its database, 503 when
    it cannot. Answered before anything else, because a balancer probes each server by its own
    address over plain http: the host check and the HTTPS redirect would refuse it. It tells
    nothing but up or down."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != "/health/":
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            response = HttpResponse("database unavailable\n", status=503)
        else:
            response = HttpResponse("ok\n")
        response["Content-Type"] = "text/plain; charset=utf-8"
        response["Cache-Control"] = "no-store"
        return response


class ForwardedClientIpMiddleware:
    """Behind a TLS proxy or a load balancer, REMOTE_ADDR is the nearest proxy's address. Put the
    client's own address there instead, taken from X-Forwarded-For, but only when the request
    really came through one of TRUSTED_PROXIES: anyone reaching gunicorn directly could
    otherwise give themselves a fresh address per request. Each trusted proxy appended the
    address it saw, so the client is the rightmost entry that is not itself a trusted proxy;
    entries further left came from the client and may be forged. Login throttling, the
    verification page's rate limit and the IP address kept with each acknowledgement all read
    REMOTE_ADDR, so they see the real client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = _networks(tuple(settings.TRUSTED_PROXIES))
        peer = _address(request.META.get("REMOTE_ADDR", ""))
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and peer is not None and _is_in(peer, trusted):
            client = peer
            for hop in reversed([hop.strip() for hop in forwarded.split(",")]):
                address = _address(hop)
                if address is None:
                    break
                client = address
                if not _is_in(address, trusted):
                    break
            request.META["REMOTE_ADDR"] = str(client)
        return self.get_response(request)


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str):
    try:
        return ip_address(text)
    except ValueError:
        return None


def _is_in(address, networks) -> bool:
    return any(address in network for network in networks)


@receiver(user_logged_in)
def start_the_idle_clock(sender, request, user, **kwargs):
    # Stored with the new session, so the first page after signing in writes nothing more.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())
        admin = request.session[ADMIN_LINK_KEY] = can_use_admin(user)
        # Whether the admin menu shows "Two-step sign-in" (eupsite.wagtail_hooks).
        request.session[SECOND_FACTOR_MENU_KEY] = admin and may_reset_second_factors(user=user)


class IdleSessionTimeoutMiddleware:
    """Signs a person out after SESSION_IDLE_TIMEOUT without a request: school computers are
    shared, and a session left open in a classroom is someone else's next. The time of the
    last request is written at most once a minute, not on every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity.")
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60},
                )
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= 60:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    """A session of someone who can reach the admin is of no use until it passed the second
    factor. The sign-in page asks for the code before it signs such a person in; this catches
    every other way a session can start (an invitation link, a printed sign-in code, a password
    reset, a test's force_login) and sends it to the code step, whatever page it asked for.

    Pages under /accounts/ (sign-in, sign-out, the code step itself) stay open. In the admin the
    permission is looked up on every request, so admin access granted mid-session counts at
    once; elsewhere the answer kept in the session (admin_link_shown) is used, so a learner's
    lesson pages cost no query."""

    OPEN_PREFIXES = ("/accounts/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.OPEN_PREFIXES)
            and not session_second_factor_passed(request=request)
        ):
            in_admin = request.path_info.startswith(settings.ADMIN_URL_PREFIX)
            if can_use_admin(user) if in_admin else admin_link_shown(request):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('second_factor')}?{query}")
        return self.get_response(request)


class SiteCSPMiddleware(CSPMiddleware):
    """The site's Content-Security-Policy, with one exception for the Wagtail admin.

    Wagtail's widgets and choosers write inline <script> elements that no nonce reaches, so under
    `script-src 'self'` the admin's choosers never open. Pages under ADMIN_URL_PREFIX therefore
    also allow inline script, and nothing else changes: every other directive stays as strict
    as on learner pages. The admin never gets a nonce, because browsers ignore 'unsafe-inline'
    once a nonce is present. Learner pages keep `script-src 'self'` with no inline script.
    """

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(settings.ADMIN_URL_PREFIX):
            parts.update = {**(parts.update or {}), "script-src": ["'unsafe-inline'"]}
            parts.nonce = None
        return parts


class DatabaseUnavailableMiddleware:
    """A request during which the database connection was lost (a restart, a failover, a
    network blip) is answered with a page that says so and asks to try again (503), not a bare
    server error. Every write that matters (signing, issuing a certificate, applying a roster,
    submitting a quiz) runs in one transaction, so it happened completely or not at all, and
    a retry either does it or finds it done. Django drops the broken connection when the
    request ends, so the retry gets a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s: %s", request.method, request.path, exception
        )
        # Rendered without the request's context processors: they would ask the lost database
        # who the user is.
        page = render_to_string(
            "database_unavailable.html",
            {"DISTRICT_NAME": settings.DISTRICT_NAME, "retry_url": request.get_full_path()},
        )
        return HttpResponse(page, status=503)
