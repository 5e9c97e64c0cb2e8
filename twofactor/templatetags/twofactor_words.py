"""{{ agent|browser }}: a User-Agent in words ("Firefox on Windows"), the same words the mails use."""

from django import template

from ..locations import describe_browser

register = template.Library()


@register.filter
def browser(agent) -> str:
    """The browser and system a User-Agent names, or "Unknown browser"."""
    return describe_browser(agent or "")
