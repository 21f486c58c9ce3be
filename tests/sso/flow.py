"""Walking the authorization-code flow as a browser would, with `requests`: the site's sign-in
page, the "Sign in with …" button (a POST with the CSRF token), the provider's login form, and
back to the site's callback."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from staff.models import Location, Staff


@dataclass
class Started:
    authorization_url: str
    callback_url: str

    @property
    def authorization_params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.authorization_url).query).items()}


def csrf_token(session: requests.Session, site: str) -> str:
    page = session.get(f"{site}/accounts/login/", allow_redirects=False, timeout=10)
    if page.is_redirect:  # signed in already: the cookie's token is as good as the form's
        return session.cookies["csrftoken"]
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def press_sign_in_with(
    session: requests.Session, site: str, provider: str, process: str = "login"
) -> requests.Response:
    return session.post(
        f"{site}/accounts/sso/{provider}/login/",
        data={"csrfmiddlewaretoken": csrf_token(session, site), "process": process},
        allow_redirects=False,
        timeout=10,
    )


def sign_in_at_provider(
    session: requests.Session,
    site: str,
    idp: str,
    account: str,
    provider: str = "google",
    process: str = "login",
) -> Started:
    """Press the button and sign in at the provider as `account`; stop before the site's
    callback, returning where the provider sends the browser."""
    started = press_sign_in_with(session, site, provider, process)
    assert started.status_code == 302, started.text
    authorization_url = started.headers["Location"]
    login_page = session.get(authorization_url, timeout=10)
    assert "/interaction/" in login_page.url, login_page.text
    uid = urlsplit(login_page.url).path.split("/")[2]
    response = session.post(
        f"{idp}/interaction/{uid}/login",
        data={"login": account},
        allow_redirects=False,
        timeout=10,
    )
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if location.startswith(site):
            return Started(authorization_url=authorization_url, callback_url=location)
        response = session.get(location, allow_redirects=False, timeout=10)
    raise AssertionError(f"the provider did not send the browser back: {response.text[:500]}")


def sign_in(
    session: requests.Session, site: str, idp: str, account: str, provider: str = "google"
) -> requests.Response:
    """The whole sign-in; returns the site's answer to the callback (not followed)."""
    started = sign_in_at_provider(session, site, idp, account, provider)
    return session.get(started.callback_url, allow_redirects=False, timeout=10)


def forget_provider_session(session: requests.Session) -> None:
    """Drop the provider's cookies (it serves 127.0.0.1, the site localhost), as when someone
    else signs in to the provider on the same computer."""
    for cookie in list(session.cookies):
        if cookie.domain.startswith("127.0.0.1"):
            session.cookies.clear(cookie.domain, cookie.path, cookie.name)


def is_signed_in(session: requests.Session, site: str) -> bool:
    """The sign-in page sends a signed-in person on (redirect_authenticated_user)."""
    return session.get(f"{site}/accounts/login/", allow_redirects=False, timeout=10).is_redirect


def roster_member(email: str, employee_id: str, *, with_account: bool = True, **fields) -> Staff:
    """A staff member as an import makes them: with an inactive login account and no password
    (with_account), or without one."""
    from staff.services import login_accounts_ensure

    location, _ = Location.objects.get_or_create(name="Maple Street Elementary School")
    staff = Staff.objects.create(
        employee_id=employee_id,
        first_name=fields.pop("first_name", "Jamal"),
        last_name=fields.pop("last_name", "Carter"),
        email=email,
        location=location,
        hire_date=date(2019, 8, 26),
        **fields,
    )
    if with_account:
        staff.user = login_accounts_ensure(people=[staff])[employee_id]
        staff.save(update_fields=["user"])
    return staff
