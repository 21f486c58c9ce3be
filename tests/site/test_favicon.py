"""The site's pages name their icon, so browsers do not ask for /favicon.ico (a 404 logged as
a console error on every first visit)."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_links_an_icon_that_exists(client):
    page = client.get("/accounts/login/").content.decode()
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)" type="image/svg\+xml">', page)
    assert icon, "the sign-in page names no icon"
    assert finders.find(icon.group(1)), f"{icon.group(1)} is not a static file"
