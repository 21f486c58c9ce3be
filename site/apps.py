from django.apps import AppConfig


class EupSiteConfig(AppConfig):
    name = "eupsite"
    label = "eupsite"
    verbose_name = "Site shell"
