from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse


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
    """Behind TRUSTED_PROXY_COUNT proxies (a TLS proxy, a load balancer), REMOTE_ADDR is the
    nearest proxy's address. Put the client's own address there instead, taken from
    X-Forwarded-For counting from the right: each trusted proxy appended the address it saw,
    while entries further left came from the client and may be forged. Login throttling, the
    verification page's rate limit and the IP address kept with each acknowledgement all read
    REMOTE_ADDR, so they see the real client."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = settings.TRUSTED_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if proxies and forwarded:
            hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
            if len(hops) >= proxies:
                request.META["REMOTE_ADDR"] = hops[-proxies]
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
