"""The language a person reads the site in (eupsite.language): their browser's first, then the
switcher's choice, remembered in the browser and, once signed in, on their account."""

import pytest
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.utils import translation
from wagtail.users.models import UserProfile

from tests.conftest import LEARNER_PASSWORD

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/login/"


def spanish(text: str) -> str:
    with translation.override("es"):
        return translation.gettext(text)


def page_language(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_spanish_catalogue_is_compiled_and_used():
    assert spanish("Staff training") != "Staff training"


def test_without_a_choice_the_site_is_in_english(client):
    page = client.get(SIGN_IN)
    assert page_language(page) == "en"
    assert "<h1>Sign in</h1>" in page.content.decode()


def test_a_browser_that_asks_for_spanish_gets_the_site_in_spanish(client):
    page = client.get(SIGN_IN, headers={"accept-language": "es-MX,es;q=0.9,en;q=0.5"})
    assert page_language(page) == "es"
    assert f"<h1>{spanish('Sign in')}</h1>" in page.content.decode()
    assert page.headers["Content-Language"] == "es"


def test_the_switcher_offers_the_other_language_named_in_its_own_language(client):
    html = client.get(SIGN_IN).content.decode()
    assert 'name="language" value="es" lang="es">Español</button>' in html
    assert 'value="en"' not in html
    html = client.get(SIGN_IN, headers={"accept-language": "es"}).content.decode()
    assert 'name="language" value="en" lang="en">English</button>' in html


def test_the_switcher_changes_the_language_and_returns_to_the_same_page(client):
    switched = client.post("/language/", {"language": "es", "next": SIGN_IN})
    assert switched.status_code == 302 and switched.url == SIGN_IN
    # The choice wins over the browser's.
    page = client.get(SIGN_IN, headers={"accept-language": "en-US"})
    assert page_language(page) == "es"


def test_an_unknown_language_or_a_foreign_return_address_changes_nothing(client):
    switched = client.post("/language/", {"language": "xx", "next": SIGN_IN})
    assert switched.status_code == 302
    assert page_language(client.get(SIGN_IN)) == "en"
    away = client.post("/language/", {"language": "es", "next": "https://evil.example/"})
    assert away.status_code == 302 and not away.url.startswith("https://evil.example")


def test_the_switcher_needs_a_post_with_its_csrf_token(learner):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/language/", {"language": "es"}).status_code == 403
    # A GET (where the sign-in page returns someone whose session timed out) changes nothing.
    home = strict.get("/language/?language=es")
    assert home.status_code == 302 and home.url == "/"
    assert page_language(strict.get(SIGN_IN)) == "en"


def test_a_signed_in_persons_choice_is_kept_on_their_account_and_follows_them(
    learner_client, learner
):
    learner_client.post("/language/", {"language": "es", "next": "/"})
    assert UserProfile.get_for_user(learner).preferred_language == "es"
    # Another browser, which asks for English: after signing in, the account's choice.
    elsewhere = Client()
    signed_in = elsewhere.post(
        SIGN_IN,
        {"username": learner.username, "password": LEARNER_PASSWORD},
        headers={"accept-language": "en-US"},
    )
    assert signed_in.status_code == 302
    page = elsewhere.get("/no-such-page/", headers={"accept-language": "en-US"})
    assert page.status_code == 404 and page_language(page) == "es"
    # Choosing English again there changes the account back.
    elsewhere.post("/language/", {"language": "en", "next": "/"})
    assert UserProfile.get_for_user(learner).preferred_language == "en"


def test_a_language_set_on_the_admin_account_page_applies_at_once(admin_client, admin_user):
    """Wagtail's Account page sets the same account language: this session follows it at once,
    not at the next sign-in."""
    page = admin_client.get("/admin/account/")
    form = page.context["panels_by_tab"]
    data = {}
    for panels in form.values():
        for panel in panels:
            for field in panel.get_form():
                try:
                    value = field.value()
                except ValueError:  # the avatar: no file
                    continue
                if value not in (None, False) and not isinstance(value, FieldFile):
                    data[field.html_name] = value
    data |= {"name_email-first_name": "Ada", "name_email-last_name": "Admin"}
    data["locale-preferred_language"] = "es"
    response = admin_client.post("/admin/account/", data)
    assert response.status_code == 302
    assert page_language(admin_client.get("/policies/")) == "es"
