"""Each role signs in through the sign-in page and opens every admin menu link it is shown.
None may answer 403 or 500, and the page fixture fails the test on any CSP violation, console
error, page error or request leaving the site, and on serious axe findings."""

import json

import pytest
from playwright.sync_api import expect

from eupsite.demo import DEMO_ACCOUNTS

from .conftest import pass_second_factor

ACCOUNTS = {account.role: account for account in DEMO_ACCOUNTS}


def sign_in(page, live_server, role: str):
    account = ACCOUNTS[role]
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Work e-mail or employee id").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    pass_second_factor(page, account.username)
    return account


def menu_urls(page) -> list[str]:
    """Every link of the admin's sidebar menu, submenus included, as the browser receives it."""
    props = json.loads(page.locator("#wagtail-sidebar-props").text_content())
    urls = []

    def walk(node):
        if isinstance(node, dict):
            url = node.get("url")
            if isinstance(url, str) and url.startswith("/") and url not in urls:
                urls.append(url)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props["modules"])
    return urls


EXPECTED_MENUS = {
    "editor": {"/admin/pages/", "/admin/snippets/quizzes/quiz/"},
    "principal": {"/admin/completion/", "/admin/completion/staff/"},
    "HR": {"/admin/roster/import/", "/admin/snippets/staff/staff/", "/admin/completion/"},
    "district administrator": {
        "/admin/completion/",
        "/admin/completion/staff/",
        "/admin/snippets/certificates/certificate/",
        "/admin/policy-versions/",
    },
}
NOT_SHOWN = {
    "editor": {"/admin/completion/", "/admin/roster/import/"},
    "principal": {"/admin/roster/import/", "/admin/snippets/staff/staff/", "/admin/pages/"},
    "HR": {"/admin/pages/", "/admin/users/", "/admin/policy-versions/"},
    "district administrator": {"/admin/pages/", "/admin/users/"},
}


@pytest.mark.parametrize("role", list(EXPECTED_MENUS))
def test_each_administrator_opens_every_menu_link_without_an_error(
    page, live_server, demo_site, role
):
    sign_in(page, live_server, role)
    expect(page).to_have_url(f"{live_server.url}/admin/")
    urls = menu_urls(page)
    assert EXPECTED_MENUS[role] <= set(urls), urls
    assert not NOT_SHOWN[role] & set(urls), urls
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, f"{role}: {url} answered {response.status}"
        page.wait_for_load_state("networkidle")


def test_a_learner_has_no_admin_and_no_administration_link(page, live_server, demo_site):
    sign_in(page, live_server, "learner")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#wagtail-sidebar-props")).to_have_count(0)


def test_an_administrator_on_a_learner_page_sees_the_way_to_the_admin(page, live_server, demo_site):
    sign_in(page, live_server, "principal")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Administration").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
