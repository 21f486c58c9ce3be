from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """Look a key up in a dict from a template: {{ titles|get_item:name }}."""
    return mapping.get(key) if mapping else None
