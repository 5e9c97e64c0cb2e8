"""Site-wide page behaviour: dates in the visitor's time zone, and the site's look on every error answer."""

import math
import zoneinfo

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

TIMEZONE_COOKIE = "tz"
#: Set when the visitor chose the zone on /accounts/time-zone/: the page script then leaves `tz` alone.
TIMEZONE_CHOSEN_COOKIE = "tz_chosen"
TIMEZONE_COOKIE_AGE = 60 * 60 * 24 * 365


class TimezoneMiddleware:
    """Show dates in the visitor's time zone: the `tz` cookie, chosen on /accounts/time-zone/ (no JavaScript needed)
    or guessed from the browser by static/js/timezone.js; UTC without it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.COOKIES.get(TIMEZONE_COOKIE, "")
        try:
            zone = zoneinfo.ZoneInfo(name) if 0 < len(name) <= 64 else None
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            zone = None
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


# Bare answers (Django's require_http_methods and throttles give an empty body) that get a page.
PAGES = {405: "405.html", 429: "429.html"}


class ErrorPageMiddleware:
    """A 405 or 429 answer without a body becomes the site's page with that status (headers kept);
    the JSON API's answers always carry a body and pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        template = PAGES.get(response.status_code)
        if template is None or getattr(response, "streaming", False) or response.content:
            return response
        retry_after = response.headers.get("Retry-After", "")
        wait_minutes = math.ceil(int(retry_after) / 60) if retry_after.isdigit() else None
        page = render(request, template, {"wait_minutes": wait_minutes}, status=response.status_code)
        for header in ("Allow", "Retry-After"):
            if header in response.headers:
                page.headers[header] = response.headers[header]
        return page


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the site's 403 page, saying what to do (the reason stays in the log)."""
    return render(request, "403_csrf.html", {"title": _("This form has expired")}, status=403)
