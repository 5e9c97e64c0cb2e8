"""{% sign_in_options %}: what the active methods offer on the password sign-in page (`Method.login_template`)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..core import registry

register = template.Library()


@register.simple_tag(takes_context=True)
def sign_in_options(context) -> str:
    """Each method's sign-in option that needs no password, in the order of TWOFACTOR_METHODS."""
    request = context.get("request")
    parts = [
        render_to_string(method.login_template, {"next": context.get("next", "")}, request=request)
        for method in registry.methods()
        if method.offers_sign_in()
    ]
    return mark_safe("".join(parts))  # each part is a rendered (auto-escaped) template
