from django.apps import AppConfig


class EupSiteConfig(AppConfig):
    name = "eupsite"
    label = "eupsite"
    verbose_name = "Site shell"

    def ready(self):
        # Connects the receiver that counts wrong passwords for the sign-in limits.
        from . import throttling  # noqa: F401
