from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EupSiteConfig(AppConfig):
    name = "eupsite"
    label = "eupsite"
    verbose_name = _("Site shell")

    def ready(self):
        # Connects the receivers: wrong passwords counted for the sign-in limits, and the idle
        # clock started at sign-in, the account's language put in the session at sign-in.
        from . import language, middleware, sso_policy, throttling  # noqa: F401
