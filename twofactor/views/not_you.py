"""The page a "Not you?" link of the new-browser mail opens: it says what the link does, and a button does it.

Opening the link (GET) changes nothing, so mail scanners and link previews, which open links on their own, can
neither sign the owner's own new sign-in out nor use the link up; the button posts (CSRF-protected). No sign-in
is needed, and none is made: the link only takes access away.
"""

from datetime import UTC, datetime

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import alerts, flows
from ..browsers import describe_family


def _described(link) -> dict:
    """The sign-in a link names, in words, for the page."""
    if link is None:
        return {"link": None}
    return {
        "link": link,
        "browser": describe_family(link.browser, link.system),
        "network": _("the network %(network)s") % {"network": link.network}
        if link.network
        else _("an unknown network"),
        "signed_in_at": datetime.fromtimestamp(link.signed_in_at, tz=UTC),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def not_you(request, token: str):
    context = {"password_change_url": alerts.password_change_url(request), "done": None}
    if request.method == "POST":
        done = flows.disown_sign_in(request, token)
        if done is None:
            return render(request, "twofactor/not_you.html", {**context, **_described(None)}, status=400)
        return render(request, "twofactor/not_you.html", {**context, **_described(done.link), "done": done})
    link = flows.not_you_link(token)
    return render(request, "twofactor/not_you.html", {**context, **_described(link)}, status=200 if link else 400)
