"""Template tags of the staff admin."""

from django import template
from wagtail.admin.templatetags.wagtailadmin_tags import bulk_action_choices

register = template.Library()


@register.inclusion_tag("wagtailadmin/shared/buttons.html", takes_context=True)
def bulk_action_choices_without_delete(context, app_label, model_name):
    """Wagtail's bulk action buttons for a listing, less Delete: staff members are never
    deleted (see admin_staff.StaffNeverDeletedPolicy), so it is not offered."""
    delete_url = f"/{app_label}/{model_name}/delete/"
    choices = bulk_action_choices(context, app_label, model_name)
    buttons = [b for b in choices["buttons"] if delete_url not in (getattr(b, "url", "") or "")]
    for button in buttons:
        if hasattr(button, "dropdown_buttons"):
            button.dropdown_buttons = [
                b for b in button.dropdown_buttons if delete_url not in (b.url or "")
            ]
    return {**choices, "buttons": buttons}
