"""Invitation and password-reset links cannot bring a deactivated account back (issue H,
item 1)."""

from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from eupsite.tokens import account_token_generator
from staff.services import invitation_url, staff_set_active
from tests.conftest import LEARNER_PASSWORD, make_user

from .conftest import add_staff, give_password

NEW_PASSWORD = "a-brand-new-password-7"


def reset_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return uid, account_token_generator.make_token(user)


def set_password(client, url):
    """Open a one-time link and choose a password, as a person does (Django redirects the token
    into the session first)."""
    page = client.get(url, follow=True)
    if b"new_password1" not in page.content:
        return page
    return client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_h1_a_reset_link_issued_before_deactivation_opened_as_an_invitation_does_nothing(
    client, riverside
):
    staff = give_password(add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example"))
    uid, token = reset_link(staff.user)
    staff_set_active(staff_ids=[staff.pk], active=False)

    for url in (f"/accounts/invitation/{uid}/{token}/", f"/accounts/password-reset/{uid}/{token}/"):
        set_password(client, url)
        staff.user.refresh_from_db()
        assert not staff.user.is_active, url
        assert staff.user.check_password(LEARNER_PASSWORD), url
        assert "_auth_user_id" not in client.session, url


def test_h1_deactivation_voids_an_invitation_sent_before(client, riverside):
    staff = add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example")
    url = invitation_url(user=staff.user, base_url="http://testserver")
    staff_set_active(staff_ids=[staff.pk], active=False)
    staff_set_active(staff_ids=[staff.pk], active=True)  # even once reactivated
    set_password(client, url.removeprefix("http://testserver"))
    staff.user.refresh_from_db()
    assert not staff.user.has_usable_password() and not staff.user.is_active


def test_h1_an_invitation_link_sets_only_a_first_password_of_an_active_staff_member(
    client, riverside
):
    # A password-reset link for an account that has a password, opened as an invitation.
    staff = give_password(add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example"))
    uid, token = reset_link(staff.user)
    set_password(client, f"/accounts/invitation/{uid}/{token}/")
    staff.user.refresh_from_db()
    assert staff.user.check_password(LEARNER_PASSWORD)
    # An account that is not on the roster.
    stranger = make_user("someone@district.example")
    stranger.set_unusable_password()
    stranger.save()
    uid, token = reset_link(stranger)
    set_password(client, f"/accounts/invitation/{uid}/{token}/")
    stranger.refresh_from_db()
    assert not stranger.has_usable_password()


def test_h1_an_invitation_still_works_for_whom_it_was_meant(client, riverside):
    staff = add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example")
    url = invitation_url(user=staff.user, base_url="http://testserver")
    set_password(client, url.removeprefix("http://testserver"))
    staff.user.refresh_from_db()
    assert staff.user.is_active and staff.user.check_password(NEW_PASSWORD)


def test_h1_an_import_that_deactivates_voids_the_invitation_too(client, riverside):
    from staff.roster import roster_plan
    from staff.services import roster_apply
    from tests.staff.test_roster_import import HEADER

    staff = add_staff(riverside, "T-1", "Bea", "Able", "bea@district.example")
    url = invitation_url(user=staff.user, base_url="http://testserver")
    roster_apply(
        plan=roster_plan(
            (
                HEADER + "T-1,Bea,Able,bea@district.example,Riverside High School,Custodian,"
                "2020-08-24,no\n"
            ).encode()
        )
    )
    staff_set_active(staff_ids=[staff.pk], active=True)
    set_password(client, url.removeprefix("http://testserver"))
    staff.user.refresh_from_db()
    assert not staff.user.has_usable_password()
