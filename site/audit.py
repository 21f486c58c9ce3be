"""The audit trail of administrators' actions (who did what, and when), kept as Wagtail log
entries: they appear in the admin's history of each record and in the site history report,
beside what Wagtail itself logs (edits of location administrators, pages, snippets).

Each app registers the actions it records (register_log_actions hook) and calls audit() where
the action happens, in the same transaction as the change."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter, log

DETAIL_LABELS = {
    "reason": _("reason"),
    "file": _("file"),
    "items": _("items"),
    "summary": _("what changed"),
    "due_on": _("new due date"),
}


class AuditFormatter(LogFormatter):
    """Shows an entry's details (a reason, a file name, counts) after its message: the site
    history report shows messages only."""

    def format_message(self, log_entry):
        data = log_entry.data or {}
        details = "; ".join(
            f"{DETAIL_LABELS.get(key, key)}: {value}" for key, value in data.items() if value
        )
        return f"{self.message} ({details})" if details else str(self.message)


def audit_actions_register(actions, labels: dict[str, tuple[str, str]]) -> None:
    """Register {action: (label, message)} with Wagtail's log action registry."""
    for action, (label, message) in labels.items():
        formatter = type("AuditEntry", (AuditFormatter,), {"label": label, "message": message})
        actions.register_action(action)(formatter)


def audit(*, instance, action: str, user, **details) -> None:
    """Record that `user` did `action` to `instance` now, with `details` (JSON values)."""
    log(instance=instance, action=action, user=user, data=details)
