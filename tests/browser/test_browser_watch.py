"""The browser fixture's listener must not go quiet: a page that breaks the CSP, logs an error
or throws is reported."""

import pytest

from .conftest import watch_context

STRICT_CSP = "default-src 'self'; script-src 'self'"


def serve(page, url, body, csp=STRICT_CSP):
    headers = {"Content-Type": "text/html"}
    if csp:
        headers["Content-Security-Policy"] = csp
    page.route(url, lambda route: route.fulfill(status=200, headers=headers, body=body))


@pytest.fixture
def watched(browser):
    context = browser.new_context()
    problems = watch_context(context)
    page = context.new_page()
    yield page, problems
    context.close()


def test_the_listener_reports_an_inline_script_blocked_by_the_policy(watched, live_server):
    page, problems = watched
    url = f"{live_server.url}/watch-test/inline/"
    serve(page, url, "<!doctype html><title>t</title><script>document.title = 'ran'</script>")
    page.goto(url)
    page.wait_for_timeout(200)
    assert page.title() == "t"  # the browser really blocked it
    assert any("script-src" in p and "inline" in p for p in problems.problems), problems.problems


def test_the_listener_reports_console_errors_page_errors_and_requests_leaving_the_site(
    watched, live_server
):
    page, problems = watched
    url = f"{live_server.url}/watch-test/errors/"
    serve(
        page,
        url,
        '<!doctype html><title>t</title><img src="https://www.gravatar.com/avatar/x" alt="">',
        csp=None,  # so the browser really sends the request the listener must catch
    )
    page.goto(url)
    page.evaluate("console.error('something broke')")
    page.evaluate("setTimeout(() => { throw new Error('uncaught') }, 0)")
    page.wait_for_timeout(300)
    text = "\n".join(problems.problems)
    assert "request left the site: https://www.gravatar.com/avatar/x" in text
    assert "console error" in text and "something broke" in text
    assert "uncaught page error" in text and "uncaught" in text


def test_an_expected_error_status_is_allowed_only_where_the_test_said(watched, live_server):
    page, problems = watched
    problems.allow_status("/no-such-page/", 404)
    page.goto(f"{live_server.url}/no-such-page/")
    assert problems.problems == []
    page.goto(f"{live_server.url}/another-missing-page/")
    assert any("404" in p for p in problems.problems)
