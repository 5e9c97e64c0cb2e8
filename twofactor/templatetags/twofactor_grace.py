"""{% grace_banner %}: on every page of a session in its grace period, the days left and "Set it up now".

Put it in the site's base template, above the content. It reads the session's state record only (no query).
"""

from django import template
from django.template.loader import render_to_string

from .. import state
from ..state import grace

register = template.Library()


@register.simple_tag(takes_context=True)
def grace_banner(context) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)  # absent on an error page answered before AuthenticationMiddleware ran
    if user is None or not hasattr(request, "session") or not user.is_authenticated:
        return ""
    current = state.read(request)
    if current is None or current.state != state.GRACE:
        return ""
    return render_to_string(
        "twofactor/includes/grace_banner.html", {"grace": grace.of_session(current)}, request=request
    )
