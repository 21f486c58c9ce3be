"""One-time links (invitations and password resets) that die when the account changes."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class AccountTokenGenerator(PasswordResetTokenGenerator):
    """Django's token, whose hash also covers whether the account is active and when its staff
    record last changed: deactivating someone (which stamps the record) voids every link they
    were sent, including one issued before and opened through another URL, and reactivating
    them does not bring it back. (Django's own hash already covers the password and the last
    sign-in, so a used link does not work twice.)"""

    def _make_hash_value(self, user, timestamp):
        staff = getattr(user, "staff", None) if user.pk else None
        changed = "none" if staff is None else f"{staff.is_active}{staff.updated_at:%s%f}"
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}{changed}"


account_token_generator = AccountTokenGenerator()
