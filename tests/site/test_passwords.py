"""Passwords are stored with Argon2id at OWASP's minimum or stronger, and a password stored
before the switch (Django's PBKDF2) is re-hashed with Argon2id at its owner's next sign-in.
(The rest of the suite hashes with MD5 for speed: these tests put the site's own list back.)"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password

from eupsite.settings import base

PASSWORD = "a-long-learner-password-7"  # noqa: S105 (a test account)


@pytest.fixture
def site_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_new_passwords_are_argon2id_at_owasps_minimum_or_stronger(site_hashers):
    stored = make_password(PASSWORD)
    algorithm, variety, version, params, *_ = stored.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")
    values = dict(pair.split("=") for pair in params.split(","))
    assert int(values["m"]) >= 19 * 1024
    assert int(values["t"]) >= 2
    assert int(values["p"]) >= 1


def test_a_pbkdf2_password_is_upgraded_to_argon2id_at_the_next_sign_in(site_hashers, client, db):
    user = get_user_model().objects.create(username="teacher@school.example", is_active=True)
    user.password = make_password(PASSWORD, hasher=get_hasher("pbkdf2_sha256"))
    user.save()
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"

    response = client.post(
        "/accounts/login/", {"username": "teacher@school.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    # And the new hash still opens the account.
    client.logout()
    again = client.post(
        "/accounts/login/", {"username": "teacher@school.example", "password": PASSWORD}
    )
    assert again.status_code == 302
