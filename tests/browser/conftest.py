"""End-to-end tests in Debian's chromium (never a downloaded browser) through Playwright."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are synchronous and safe, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if CHROMIUM.exists() or not browser_items:
        return
    message = (
        f"browser tests skipped: no chromium at {CHROMIUM} "
        "(install Debian's package: apt-get install chromium)"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(message.replace("skipped", "required") + "; REQUIRE_BROWSER=1")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # launch() gives every run a fresh, empty profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


# Hosts the browser may talk to: the live server. Anything else is a request leaving the site.
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
ADMIN_PATH = "/admin/"

# Chromium reports every CSP violation through this event; the script turns it into a
# console error the listener below records, with the directive and what was blocked.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


class BrowserProblems:
    """What went wrong in the browser while a test ran: CSP violations, console errors,
    uncaught page errors, failed requests and requests that tried to leave the site. Also the
    admin pages the test saw, which are checked with axe when it ends."""

    def __init__(self):
        self.problems: list[str] = []
        self.admin_pages: dict[str, None] = {}  # ordered set of URLs
        self._allowed: list[tuple[str, int]] = []

    def allow_status(self, url_part: str, status: int):
        """A test that opens a page expecting an error status (a 404 for someone else's
        record) says so: the browser logs that response as a console error."""
        self._allowed.append((url_part, status))

    def _is_allowed(self, text: str, url: str) -> bool:
        return any(part in url and f"status of {status}" in text for part, status in self._allowed)

    def on_console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url", "") if message.location else ""
        if not self._is_allowed(message.text, url):
            self.problems.append(f"console error on {url}: {message.text}")

    def on_page_error(self, error, page):
        self.problems.append(f"uncaught page error on {page.url}: {error}")

    def on_request_failed(self, request):
        failure = request.failure or ""
        # A download or a navigation replaced by the next one is aborted, not failed.
        if "ERR_ABORTED" not in failure:
            self.problems.append(f"request failed: {request.url}: {failure}")

    def on_response(self, response):
        request = response.request
        if not (request.is_navigation_request() and request.frame.parent_frame is None):
            return
        path = urlsplit(response.url).path
        content_type = response.headers.get("content-type", "")
        if path.startswith(ADMIN_PATH) and response.status == 200 and "html" in content_type:
            self.admin_pages[response.url] = None

    def route(self, route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.problems.append(f"request left the site: {route.request.url}")
            route.abort()


def watch_context(context) -> BrowserProblems:
    """Listen to every page of a browser context for the problems a person would meet."""
    problems = BrowserProblems()
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.route("**/*", problems.route)

    def watch_page(page):
        page.on("console", problems.on_console)
        page.on("pageerror", lambda error: problems.on_page_error(error, page))
        page.on("requestfailed", problems.on_request_failed)
        page.on("response", problems.on_response)

    context.on("page", watch_page)
    return problems


def axe_check_admin_pages(context, problems: BrowserProblems):
    """Open each admin page the test saw once more, in the same session, and run axe on it.
    (Admin pages are GET views: opening one again shows it as the test saw it, minus one-off
    messages.)"""
    checker = context.new_page()
    # A copy: the checker's own responses are watched too.
    for url in list(problems.admin_pages):
        checker.goto(url)
        checker.wait_for_load_state("networkidle")
        for violation in serious_axe_violations(checker):
            problems.problems.append(f"axe on {url}: {violation}")
    checker.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context. The test fails on any CSP violation, console error,
    uncaught page error, failed request or request leaving the site, on any page it opened,
    and on serious or critical axe findings on any admin page it opened."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    problems = watch_context(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = problems
    yield page
    if not problems.problems:
        axe_check_admin_pages(context, problems)
    context.close()
    if problems.problems:
        pytest.fail("Problems in the browser:\n" + "\n".join(problems.problems), pytrace=False)


@pytest.fixture
def live_course(transactional_db):
    """The course, committed so the live server's thread sees it. Transactional tests end
    with a flush that also empties what Wagtail's migrations made, so put that back first."""
    from django.core.management import call_command

    from tests.helpers import restore_migration_data

    restore_migration_data()
    call_command("load_course", verbosity=0)


def tab_to(page, text: str, limit: int = 60):
    """Press Tab until the focused element's text contains `text`; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and text in focused:
            return focused
    raise AssertionError(f"Tab never reached an element reading {text!r}")


def serious_axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # Judge the page a person reads, not a frame of a fade-in: Wagtail's messages animate in,
    # and a half-transparent message fails the contrast rule.
    page.evaluate(
        "Promise.all(document.getAnimations()"
        ".filter((a) => a.effect?.getTiming().iterations !== Infinity)"
        ".map((a) => a.finished))"
    )
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sign_in_as_the_demo_learner(page, base_url: str):
    """Create the demo accounts and staff, then sign in as the demo learner (María, on the
    annual refresher) through the sign-in form. Returns her DemoAccount."""
    from eupsite.demo import DEMO_ACCOUNTS, demo_accounts_ensure, demo_staff_ensure

    demo_accounts_ensure()
    demo_staff_ensure()
    learner = next(a for a in DEMO_ACCOUNTS if a.role == "learner")
    page.goto(f"{base_url}/")
    page.fill("#id_username", learner.username)
    page.fill("#id_password", learner.password)
    page.click("main button[type=submit]")
    return learner


@pytest.fixture
def demo_site(live_course):
    """The demo district as `make run` loads it, in a cycle whose refresher date passed a month
    ago whatever today is: so the demo learners are, as the README says, a refresher not yet due
    (extended), a new hire in the onboarding window, and staff overdue."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from eupsite.demo import demo_accounts_ensure, demo_staff_ensure
    from staff.models import TrainingCycle
    from staff.services import cycle_dates_for_year

    today = timezone.localdate()
    year = today.year if today.month >= settings.TRAINING_CYCLE_START[0] else today.year - 1
    # It ends with the school year, so that next year's default dates (HR's journey opens
    # them) never overlap it, whatever today is.
    TrainingCycle.objects.create(
        name=f"{year}-{year + 1}",
        starts_on=today - timedelta(days=60),
        ends_on=cycle_dates_for_year(year)["ends_on"],
        refresher_due_on=today - timedelta(days=30),
    )
    demo_accounts_ensure()
    demo_staff_ensure()


def pass_second_factor(page, username: str):
    """After the password of someone with admin access: type their authenticator's current code
    on the code step (tests/helpers.second_factor_code, the algorithm django-otp checks). For
    anyone else, nothing: learners have no second step."""
    import re

    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from eupsite.permissions import can_use_admin
    from tests.helpers import second_factor_code

    user = get_user_model().objects.get(username=username)
    if not can_use_admin(user):
        return
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    page.get_by_label("Code", exact=True).fill(second_factor_code(user))
    page.get_by_role("button", name="Sign in").click()
