"""A real OpenID Connect provider (tests/sso/provider.mjs, panva's oidc-provider on node) for
the single sign-on tests, started once per test session on a free port of 127.0.0.1.

Without node the tests that use it are skipped, unless REQUIRE_SSO_PROVIDER=1 (which .ci/run
sets): then a missing node fails them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

PROVIDER_DIR = Path(__file__).resolve().parent
GOOGLE_DOMAIN = "district.example.org"
MICROSOFT_TENANT = "6f2a3c1e-4b7d-4e8a-9c0f-district-tenant"
HR_CONTACT = "Human Resources, hr@district.example.org, 203-555-0100"
CLIENT_SECRET = "test-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - http://127.0.0.1 only
        pass


@dataclass
class TestProvider:
    """The running provider and its test-only controls."""

    url: str

    def accounts(self, accounts: dict[str, dict]) -> None:
        """Replace the provider's accounts: {sub: claims}."""
        _post(f"{self.url}/_test/accounts", accounts)

    def misbehave(self, mode: str) -> None:
        """ "normal", "wrong_audience", "expired", "bad_signature" or "wrong_nonce"."""
        _post(f"{self.url}/_test/mode", {"mode": mode})


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_SSO_PROVIDER") == "1":
        pytest.fail(f"{reason} (REQUIRE_SSO_PROVIDER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def oidc_provider_process(tmp_path_factory):
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("SSO tests need node and npm for the test OpenID provider")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER_DIR,
            check=True,
            timeout=300,
        )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [node, "provider.mjs", str(port)], cwd=PROVIDER_DIR, stdout=log, stderr=log
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(  # noqa: S310 - http://127.0.0.1 only
                    f"{url}/.well-known/openid-configuration", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the test OpenID provider did not start:\n{log_path.read_text()}",
                    pytrace=False,
                )
            time.sleep(0.1)
        yield TestProvider(url=url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def oidc_provider(oidc_provider_process) -> TestProvider:
    """The provider, behaving, with no accounts."""
    oidc_provider_process.misbehave("normal")
    oidc_provider_process.accounts({})
    yield oidc_provider_process
    oidc_provider_process.misbehave("normal")


def sso_environment(provider_url: str, **extra: str) -> dict[str, str]:
    """What a district would set in the environment, pointed at the test provider."""
    return {
        "SSO_GOOGLE_CLIENT_ID": "google-client",
        "SSO_GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
        "SSO_GOOGLE_DOMAIN": GOOGLE_DOMAIN,
        "SSO_GOOGLE_ISSUER": provider_url,
        "SSO_MICROSOFT_CLIENT_ID": "microsoft-client",
        "SSO_MICROSOFT_CLIENT_SECRET": CLIENT_SECRET,
        "SSO_MICROSOFT_TENANT_ID": MICROSOFT_TENANT,
        "SSO_MICROSOFT_ISSUER": provider_url,
        **extra,
    }


@pytest.fixture
def sso_settings(settings, oidc_provider):
    """Both providers configured, as from the environment, against the test provider."""
    from eupsite.settings.base import sso_providers

    settings.SOCIALACCOUNT_PROVIDERS = sso_providers(sso_environment(oidc_provider.url))
    settings.DISTRICT_HR_CONTACT = HR_CONTACT
    settings.SSO_EMPLOYEE_ID_CLAIM = ""
    return settings
