"""Production settings for `make bench-pages`, plus what only the benchmark serves: a plain
Wagtail page's template, a bare Django view and a view rendering the base template."""

from pathlib import Path

from eupsite.settings.production import *  # noqa: F403
from eupsite.settings.production import TEMPLATES

TEMPLATES[0]["DIRS"] = [Path(__file__).resolve().parent / "templates", *TEMPLATES[0]["DIRS"]]
ROOT_URLCONF = "pages_urls"
