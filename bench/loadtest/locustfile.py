"""Locust scenarios for bench/loadtest/run.py: the first morning of a school year.

- Learner: signs in with an account of their own, reads a section slide by slide, takes its quiz
  (reads the questions off the page, answers from the answer key the runner drew from the
  database; about one first attempt in ten is failed on purpose and retaken), and goes on to the
  next section; one who passes the last section signs and downloads the certificate. About one
  in twenty opens a quiz, submits it or signs with a double click (two identical requests at
  once, the second named "... (again)"): the site must still record it once.
- Finisher: a learner whose account was seeded with every section but the last passed: reads the
  last section, passes its quiz, signs the acknowledgement, downloads the certificate PDF, looks
  at the public verification page its QR code opens and at the course page, signs out and
  starts again with the next nearly-done account.
- Administrator: the completion dashboard, the staff report (filtered, sorted, paged) and its
  CSV export.

Every request is named by endpoint kind, and fails on a status other than the expected one or on
a page without its expected content. What learners sent and saw is appended to a ledger that
run.py compares with the database afterwards.

Run it only through run.py (it needs LOADTEST_DATA); it refuses any host but 127.0.0.1.

The site runs with production settings, as if behind the TLS proxy: every request says
X-Forwarded-Proto: https, and the session and CSRF cookies are Secure. A cookie jar sends a
Secure cookie over https only, and the load goes to gunicorn over plain http, so both Locust
clients would drop them (requests' jar always; FastHttpUser's too since geventhttpclient 2.6
sets the request type from the URL, which undoes Locust's own "type = https" patch): every POST
would fail the CSRF check. Each user's jar is therefore told that http counts as secure here,
which is what a browser talking https to the proxy does; the site needs no switch for it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser
from seed_district import question_key

ALLOWED_HOST = "127.0.0.1"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_ACTION = re.compile(r'action="/quiz/attempt/(\d+)/submit/"')
CERTIFICATE_URL = re.compile(r"^/certificates/([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})/$")


def _data() -> dict:
    path = os.environ.get("LOADTEST_DATA")
    if not path:
        raise SystemExit("Run this through bench/loadtest/run.py, which seeds the data it needs.")
    return json.loads(Path(path).read_text(encoding="utf-8"))


DATA = _data()
SECTIONS = DATA["sections"]
FAIL_SHARE = float(DATA.get("fail_share", 0.1))
DOUBLE_SHARE = float(DATA.get("double_share", 0.05))


def _pool(name: str):
    start, end = (int(n) for n in os.environ.get(f"LOADTEST_{name.upper()}", "0:0").split(":"))
    return iter(DATA[name][start:end])


# Locust runs every user as a greenlet of one process: plain iterators hand out each account once.
POOLS = {"learners": _pool("learners"), "finishers": _pool("finishers")}
ADMINS = itertools.cycle(DATA["admins"])
_ledger = Path(os.environ.get("LOADTEST_LEDGER", os.devnull)).open("a", encoding="utf-8")


def ledger(event: str, **fields) -> None:
    _ledger.write(json.dumps({"e": event, **fields}) + "\n")
    _ledger.flush()


_environment = {}
# Requests started once every user has arrived (plus a few seconds): the steady state, without
# the burst of logins while users arrive.
SETTLE_S = 5.0
_steady = {"since": None, "last": None, "times": {}, "failures": {}}


@events.init.add_listener
def refuse_other_hosts(environment, **_kwargs):
    host = urlsplit(environment.host or "").hostname
    if host != ALLOWED_HOST:
        raise SystemExit(f"This load test runs against {ALLOWED_HOST} only, not {host!r}.")
    _environment["env"] = environment


@events.spawning_complete.add_listener
def start_steady_window(**_kwargs):
    _steady["since"] = time.time() + SETTLE_S


@events.request.add_listener
def sample_steady(name, response_time, exception=None, start_time=None, **_kwargs):
    since = _steady["since"]
    if since is None or start_time is None or start_time < since:
        return
    _steady["times"].setdefault(name, []).append(response_time)
    if exception is not None:
        _steady["failures"][name] = _steady["failures"].get(name, 0) + 1
    _steady["last"] = start_time + response_time / 1000


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(int(len(ordered) * share), len(ordered) - 1)])


def steady_stats() -> dict | None:
    since, last = _steady["since"], _steady["last"]
    if since is None or last is None or last <= since:
        return None
    window = last - since
    endpoints = {
        name: {
            "requests": len(times),
            "failures": _steady["failures"].get(name, 0),
            "rps": round(len(times) / window, 2),
            "p50": _percentile(times, 0.50),
            "p95": _percentile(times, 0.95),
            "p99": _percentile(times, 0.99),
        }
        for name, times in _steady["times"].items()
    }
    every = [t for times in _steady["times"].values() for t in times]
    total = {
        "requests": len(every),
        "failures": sum(_steady["failures"].values()),
        "rps": round(len(every) / window, 2),
        "p50": _percentile(every, 0.50),
        "p95": _percentile(every, 0.95),
        "p99": _percentile(every, 0.99),
    }
    return {"window_s": round(window, 1), "endpoints": endpoints, "total": total}


@events.quit.add_listener
def write_final_stats(**_kwargs):
    """Statistics once every user has stopped (its last task finished within --stop-timeout).
    Locust's --csv files are written before that, so they miss the last requests and could not
    be compared with the database."""
    _ledger.close()
    path = os.environ.get("LOADTEST_STATS")
    environment = _environment.get("env")
    if not path or environment is None:
        return
    stats = environment.stats

    def summary(entry) -> dict:
        return {
            "method": entry.method,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.total_rps, 2),
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "max": round(entry.max_response_time),
        }

    result = {
        "endpoints": {e.name: summary(e) for e in stats.entries.values() if e.num_requests},
        "total": summary(stats.total),
        "failures": [
            {"name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in stats.errors.values()
        ]
        # An exception inside a task is a bug of this file, not of the site: it must show too.
        + [
            {"name": "locustfile", "error": e["msg"], "count": e["count"]}
            for e in environment.runner.exceptions.values()
        ],
        "steady": steady_stats(),
    }
    Path(path).write_text(json.dumps(result, indent=1), encoding="utf-8")


class QuizPage(HTMLParser):
    """The questions of a quiz page: scenario, prompt, field name, and choice label -> value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.questions: list[dict] = []
        self._target: tuple[dict, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "fieldset" and "question" in classes:
            self.questions.append(
                {"scenario": "", "prompt": "", "name": "", "ids": {}, "labels": {}}
            )
        if not self.questions:
            return
        question = self.questions[-1]
        if tag == "span" and ("question__scenario" in classes or "question__prompt" in classes):
            self._target = (question, classes[0].split("__")[1])
            self._text = []
        elif tag == "input" and (attrs.get("name") or "").startswith("q"):
            question["name"] = attrs["name"]
            question["ids"][attrs.get("id")] = attrs.get("value")
        elif tag == "label" and attrs.get("for") in question["ids"]:
            self._target = (question, "label:" + attrs["for"])
            self._text = []

    def handle_data(self, data):
        if self._target is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._target is None or tag not in ("span", "label"):
            return
        question, field = self._target
        text = " ".join("".join(self._text).split())
        if field.startswith("label:"):
            question["labels"][question["ids"][field[6:]]] = text
        else:
            question[field] = text
        self._target = None


def quiz_answers(html: str, section: dict, *, wrong: bool) -> dict[str, list[str]]:
    """The form data answering every question shown, by place in the list as the form does.
    Raises KeyError for a question or choice the answer key does not know."""
    parser = QuizPage()
    parser.feed(html)
    if len(parser.questions) != section["questions"]:
        raise KeyError(f"{len(parser.questions)} questions shown, {section['questions']} expected")
    data, key = {}, section["answers"]
    for question in parser.questions:
        prompt, scenario = question["prompt"], question["scenario"]
        # The page puts "True or false?" before a true/false question's own prompt.
        entry = key.get(question_key(scenario, prompt)) or key.get(
            question_key(scenario, prompt.removeprefix("True or false?"))
        )
        if entry is None:
            raise KeyError(f"question not in the answer key: {prompt[:60]}")
        wanted = {" ".join(t.split()) for t in (entry["wrong"][:1] if wrong else entry["correct"])}
        values = [value for value, label in question["labels"].items() if label in wanted]
        if len(values) != len(wanted):
            raise KeyError(f"choices not found for: {prompt[:60]}")
        data[question["name"]] = values
    return data


class Passed:
    """A response that passed its checks. Always true, unlike a FastResponse, whose truth is its
    length (a redirect's empty body reads as false)."""

    def __init__(self, response):
        self.headers = response.headers


class Visitor(FastHttpUser):
    abstract = True
    # The TLS proxy in front of gunicorn sets this; production settings redirect without it.
    default_headers = {"X-Forwarded-Proto": "https"}
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self):
        if urlsplit(self.host).hostname != ALLOWED_HOST:
            raise StopUser()
        # The browser speaks https to the proxy: its Secure cookies go back (see above).
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        # Never follow redirects (every check reads the Location itself). Locust turns following
        # off per request by swapping this set and putting it back afterwards, which two
        # simultaneous requests of one user (a double click) interleave: the second one then
        # follows its redirect. With the set empty for good, the swap changes nothing.
        self.client.client.redirect_response_codes = frozenset()
        self.origin = "https://" + urlsplit(self.host).netloc
        # Each simulated person has an address of their own, which the proxy appends to
        # X-Forwarded-For (production trusts one proxy): throttling and rate limits are per
        # person, as in a real district. Addresses from the documentation range, never routed.
        self.address = f"198.51.{random.randrange(100, 200)}.{random.randrange(1, 255)}"
        self.csrf = ""
        self.pause = (0.5, 2.0)

    def wait_time(self):
        return random.uniform(*self.pause)

    def fetch(
        self,
        method: str,
        path: str,
        *,
        name: str,
        status: int = 200,
        contains: tuple[str, ...] = (),
        data: dict | None = None,
        location: str | re.Pattern | None = None,
        check=None,
    ):
        """One request named `name`; returns Passed if it is as expected, else None (and Locust
        counts a failure with the reason)."""
        headers, body = {"X-Forwarded-For": self.address}, None
        if method == "POST":
            body = urlencode({"csrfmiddlewaretoken": self.csrf, **(data or {})}, doseq=True)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        with self.client.request(
            method,
            path,
            name=name,
            data=body,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            problem = None
            if response.status_code != status:
                where = response.headers.get("Location") if response.headers else None
                problem = f"HTTP {response.status_code}" + (f" to {where}" if where else "")
            elif location is not None:
                where = response.headers.get("Location") or ""
                good = (
                    location.match(where) if isinstance(location, re.Pattern) else where == location
                )
                if not good:
                    problem = f"redirected to {where!r}"
            if problem is None and (contains or check):
                text = response.text or ""
                missing = [needle for needle in contains if needle not in text]
                if missing:
                    problem = f"page without {missing[0]!r}"
                elif check is not None:
                    problem = check(response)
            if problem is not None:
                response.failure(problem)
                return None
            response.success()
            if "html" in (response.headers.get("Content-Type") or ""):
                token = CSRF_FIELD.search(response.text or "")
                if token:
                    self.csrf = token.group(1)
            return Passed(response)

    def click(self, request):
        """request(again) once; or, now and then, twice at the same moment (a double click, a
        second tab), the second with again=True. Returns (first result, second result or
        None, whether it was doubled)."""
        if random.random() >= DOUBLE_SHARE:
            return request(False), None, False
        first, second = gevent.spawn(request, False), gevent.spawn(request, True)
        gevent.joinall([first, second])
        return first.value, second.value, True

    def log_in(self, username: str, password: str, *, next_url: str = "") -> bool:
        self.client.cookiejar.clear()
        if not self.fetch(
            "GET", "/accounts/login/", name="login page", contains=("csrfmiddlewaretoken",)
        ):
            return False
        return bool(
            self.fetch(
                "POST",
                "/accounts/login/",
                name="login",
                status=302,
                data={"username": username, "password": password, "next": next_url},
                location=next_url or "/",
            )
        )


class Learner(Visitor):
    weight = 4
    pool = "learners"
    first_section = 0

    def on_start(self):
        super().on_start()
        self.account = None

    def take_account(self) -> dict:
        account = next(POOLS[self.pool], None) or next(POOLS["learners"], None)
        if account is None:
            raise StopUser()  # this step's accounts are used up
        return account

    @task
    def next_step(self):
        if self.account is None:
            self.begin()
        elif self.attempt is not None:
            self.submit_quiz()
        elif self.section < len(SECTIONS):
            if self.slide <= SECTIONS[self.section]["slides"]:
                self.read_slide()
            else:
                self.open_quiz()
        elif self.code is None:
            self.sign()
        else:
            self.certificate_and_leave()

    def begin(self):
        account = self.take_account()
        self.pause = (0.5, 2.0)
        if not self.log_in(account["username"], DATA["password"]):
            return  # next time, the next account
        if not self.fetch("GET", "/", name="course", contains=("Your training for", "Sign out")):
            return
        self.account = account
        self.section, self.slide = self.first_section, 1
        self.attempt, self.code, self.failed_on_purpose = None, None, set()

    def abandon(self):
        """After an error the learner is in an unknown state: the next task starts afresh with
        another account (so one error does not cascade into many)."""
        self.account = None

    def read_slide(self):
        section = SECTIONS[self.section]
        total = section["slides"]
        if self.fetch(
            "GET",
            f"{section['path']}?slide={self.slide}",
            name="slide",
            contains=(f"Slide {self.slide} of {total}",),
        ):
            self.slide += 1
            self.pause = (0.5, 2.0)
        else:
            self.abandon()

    def open_quiz(self):
        section = SECTIONS[self.section]
        fail = self.section not in self.failed_on_purpose and random.random() < FAIL_SHARE
        found, user = {}, self.account["username"]

        def answer(response):
            action = FORM_ACTION.search(response.text)
            if not action:
                return "no submit address on the quiz page"
            try:
                found["data"] = quiz_answers(response.text, section, wrong=fail)
            except KeyError as exc:
                return str(exc)
            found["attempt"] = int(action.group(1))
            return None

        def second_tab(response):
            action = FORM_ACTION.search(response.text)
            found["again"] = int(action.group(1)) if action else None
            return None if action else "no submit address on the quiz page"

        def page(again: bool):
            return self.fetch(
                "GET",
                f"/quiz/section/{section['id']}/",
                name="quiz page (again)" if again else "quiz page",
                contains=('class="quiz-form"',),
                check=second_tab if again else answer,
            )

        shown, shown_again, doubled = self.click(page)
        if doubled and shown_again:
            ledger("quiz_page", user=user, attempt=found["again"])
            ledger("double_quiz_page", user=user, attempts=[found.get("attempt"), found["again"]])
        if not shown:
            self.abandon()
            return
        ledger("quiz_page", user=user, attempt=found["attempt"])
        self.attempt = {"id": found["attempt"], "data": found["data"], "pass": not fail}
        if fail:
            self.failed_on_purpose.add(self.section)
        self.pause = (2.0, 6.0)  # reading and answering the questions

    def submit_quiz(self):
        attempt, user = self.attempt, self.account["username"]
        ledger("submit_sent", user=user, attempt=attempt["id"], **{"pass": attempt["pass"]})
        result_url = f"/quiz/attempt/{attempt['id']}/"

        def post(again: bool):
            return self.fetch(
                "POST",
                f"{result_url}submit/",
                name="quiz submit (again)" if again else "quiz submit",
                status=302,
                data=attempt["data"],
                location=result_url,
            )

        submitted, again, doubled = self.click(post)
        if doubled:
            ledger(
                "double_submit", user=user, attempt=attempt["id"], ok=[bool(submitted), bool(again)]
            )
        if not submitted:
            ledger("submit_failed", user=user, attempt=attempt["id"])
            self.abandon()
            return
        ledger("submit_ok", user=user, attempt=attempt["id"], **{"pass": attempt["pass"]})
        self.attempt = None
        verdict = "You passed" if attempt["pass"] else "Not passed yet"
        if not self.fetch("GET", result_url, name="quiz result", contains=(verdict,)):
            self.abandon()
            return
        if attempt["pass"]:
            self.section, self.slide = self.section + 1, 1
        # A failed quiz is retaken: the next step opens the quiz page again (a new attempt).
        self.pause = (0.5, 2.0)

    def sign(self):
        user = self.account["username"]
        if not self.fetch(
            "GET",
            "/certificates/complete/",
            name="sign page",
            contains=("Sign the acknowledgement", 'name="typed_name"'),
        ):
            self.abandon()
            return
        ledger("sign_sent", user=user)

        def post(again: bool):
            return self.fetch(
                "POST",
                "/certificates/complete/",
                name="sign (again)" if again else "sign",
                status=302,
                data={"typed_name": self.account["name"], "confirm": "yes"},
                location=CERTIFICATE_URL,
            )

        response, again, doubled = self.click(post)
        if doubled:
            codes = [
                CERTIFICATE_URL.match(r.headers["Location"]).group(1) if r else None
                for r in (response, again)
            ]
            ledger("double_sign", user=user, codes=codes)
        if not response:
            ledger("sign_failed", user=user)
            self.abandon()
            return
        self.code = CERTIFICATE_URL.match(response.headers["Location"]).group(1)
        ledger("sign_ok", user=user, code=self.code)
        if not self.fetch(
            "GET", f"/certificates/{self.code}/", name="certificate", contains=(self.code,)
        ):
            self.abandon()

    def certificate_and_leave(self):
        def is_pdf(response):
            if response.headers.get("Content-Type") != "application/pdf":
                return f"Content-Type {response.headers.get('Content-Type')}"
            if not (response.content or b"").startswith(b"%PDF-"):
                return "not a PDF"
            return None

        if not self.fetch(
            "GET", f"/certificates/{self.code}/download/", name="certificate pdf", check=is_pdf
        ):
            self.abandon()
            return
        ledger("pdf_ok", user=self.account["username"], code=self.code)
        # What the QR code on the certificate opens: the public verification page.
        self.fetch("GET", f"/certificates/verify/{self.code}/", name="verify", contains=("Valid.",))
        if self.fetch("GET", "/", name="course", contains=("Your certificates", self.code)):
            self.fetch("POST", "/accounts/logout/", name="logout", status=302)
        self.account = None


class Finisher(Learner):
    weight = 1
    pool = "finishers"
    first_section = len(SECTIONS) - 1


def totp_now(key_hex: str) -> str:
    """The 6-digit code an authenticator app with this key shows now (RFC 6238: HMAC-SHA1,
    30-second steps)."""
    counter = int(time.time() // 30).to_bytes(8, "big")
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(int.from_bytes(digest[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


class PlainPageReader(FastHttpUser):
    """The reference (run alone, in steps of its own): a visitor reading the plain Wagtail page
    of about a slide's text (bench/pages/templates/wagtailcore/page.html) at a learner's pace,
    served by the same gunicorn and measured by the same tool as the mix."""

    default_headers = {"X-Forwarded-Proto": "https"}  # as through the TLS proxy (see above)

    def wait_time(self):
        return random.uniform(0.5, 2.0)

    @task
    def read(self):
        with self.client.get(
            "/plain-page/", name="plain page", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200 or "What the policies cover" not in response.text:
                response.failure(f"HTTP {response.status_code}")


class Administrator(Visitor):
    fixed_count = int(os.environ.get("LOADTEST_ADMINS", "1"))
    REPORT_VIEWS = (
        "",
        "?status=overdue",
        "?ordering=status",
        "?p=2",
        "?q=Nguyen",
        "?status=completed",
    )

    def on_start(self):
        super().on_start()
        self.pause = (2.0, 5.0)
        self.signed_in = False

    def ensure_signed_in(self) -> bool:
        """Password, then the authenticator's code (administrators always pass a second
        factor): the code page answers with the dashboard."""
        if self.signed_in:
            return True
        self.client.cookiejar.clear()
        next_url = "/admin/completion/"
        self.signed_in = bool(
            self.fetch("GET", "/accounts/login/", name="login page")
            and self.fetch(
                "POST",
                "/accounts/login/",
                name="admin login",
                status=302,
                data={"username": next(ADMINS), "password": DATA["admin_password"]}
                | {"next": next_url},
                location="/accounts/second-factor/",
            )
            and self.fetch("GET", "/accounts/second-factor/", name="admin code page")
            and self.fetch(
                "POST",
                "/accounts/second-factor/",
                name="admin code",
                status=302,
                data={"code": totp_now(DATA["admin_totp_key"])},
                location=next_url,
            )
        )
        return self.signed_in

    @task(3)
    def dashboard(self):
        if self.ensure_signed_in():
            self.fetch(
                "GET",
                "/admin/completion/",
                name="dashboard",
                contains=("Completion by location", DATA["cycle"]),
            )

    @task(3)
    def report(self):
        if self.ensure_signed_in():
            self.fetch(
                "GET",
                "/admin/completion/staff/" + random.choice(self.REPORT_VIEWS),
                name="report",
                contains=("Staff training report",),
            )

    @task(1)
    def report_csv(self):
        if not self.ensure_signed_in():
            return

        def whole_report(response):
            if not (response.headers.get("Content-Type") or "").startswith("text/csv"):
                return f"Content-Type {response.headers.get('Content-Type')}"
            text = (response.text or "").lstrip("\ufeff")
            if not text.startswith("Last name,First name,Employee id"):
                return f"unexpected first line {text[:60]!r}"
            if text.count("\n") < DATA["staff_count"] + 1:
                return f"{text.count(chr(10)) - 1} rows for {DATA['staff_count']} staff"
            return None

        self.fetch(
            "GET", "/admin/completion/staff/?export=csv", name="report csv", check=whole_report
        )
