"""Alerts the owner can act on, mailed at once: "someone knows your password", and guessing against the account.

The right password followed by a second step that fails (the method's throttle trips, or
TWOFACTOR_PASSWORD_ALERT_FAILURES wrong answers in a row) is the clearest sign that the password leaked.
The owner is mailed at most once a day per account (a rate-limit bucket shared by every app server, so
two servers cannot both send it), in the user's language, with the time, the browser and the network in
words and a link to change the password. The mail never says how near the attempts came (no count of
codes tried, no hint of which were close). Each alert is a security event (Kind.PASSWORD_ALERT).

A sign-in abandoned without a wrong answer is no alert: the owner closing a tab looks the same.
Receivers of CODE_FAILED and THROTTLED, connected by twofactor.receivers.

Guessing: when strangers spend an (account, address) budget of wrong passwords, or the account's daily ceiling,
the owner is mailed how many were tried, that nobody got in, and what to do; when the ceiling is spent (new
browsers locked out) the same mail carries the link that lets one browser in (flows.unlock). One such mail a day
per account, plus one carrying the link if the day's first had none: never two for one trip, never a flood.
Neither mail says whether any attempt came near.
"""

from collections.abc import Callable

from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import notifications, password_guard, ratelimit, state
from .app_settings import app_settings
from .browsers import browser_family, describe_family
from .client_info import client_ip, user_agent
from .links import absolute_url
from .locations import network_of
from .signals import Kind, emit
from .users import account_address

DAY_SECONDS = 24 * 60 * 60


def password_change_url(request=None) -> str:
    """The absolute address where the owner changes the password (TWOFACTOR_PASSWORD_CHANGE_URL: a URL name, a path,
    or another site's https address); the security page when the setting names nothing this project has."""
    try:
        target = str(resolve_url(app_settings.PASSWORD_CHANGE_URL))
    except NoReverseMatch:
        target = ""
    if target.startswith("https://"):
        return target
    if not target.startswith("/"):  # a name resolve_url gave back as it was: not a URL of this project
        target = reverse("twofactor:overview")
    return absolute_url(target, request)


def on_second_step_refused(sender, user, request, data, **kwargs) -> None:
    """A wrong answer (CODE_FAILED) or the throttle (THROTTLED): alert the owner when it ends a pending sign-in's
    patience. Re-authentication (a signed-in session) and sign-ins without a password are not this case."""
    limit = app_settings.PASSWORD_ALERT_FAILURES
    if limit <= 0 or request is None or not getattr(user, "pk", None):
        return
    current = state.read(request) if hasattr(request, "session") else None
    if current is None or current.state != state.VERIFY or current.user_id != user.pk:
        return
    if sender == Kind.CODE_FAILED and (data.get("failures") or 0) < limit:
        return
    alert_password_known(request, user, trigger="throttled" if sender == Kind.THROTTLED else "failures")


def alert_password_known(request, user, *, trigger: str) -> bool:
    """Mail the owner that someone gave the right password but failed the second step; at most once a day per
    account. Returns whether this call was the day's alert."""
    if not ratelimit.consume(f"alert:password-known:user:{user.pk}", 1, DAY_SECONDS).allowed:
        return False
    browser, system = browser_family(user_agent(request))
    address = client_ip(request) or ""
    network = network_of(address) if address else ""
    mailed = False
    recipient = account_address(user)
    if recipient:
        with translation.override(notifications.users_language(user)):
            context = {
                **notifications.common_context(request),
                "username": user.get_username(),
                "browser": describe_family(browser, system),
                "network": network,
                "password_change_url": password_change_url(request),
            }
            subject = _("Someone knows the password of your %(site_name)s account") % {"site_name": app_settings.ISSUER}
            mailed = notifications.send_templated_mail("password_known", subject, context, [recipient])
    emit(
        Kind.PASSWORD_ALERT,
        user=user,
        request=request,
        trigger=trigger,
        browser=browser,
        system=system,
        network=network,
        mailed=mailed,
    )
    return True


def alert_guessing(request, user, *, unlock_link: Callable[[], str] | None = None) -> bool:
    """Mail the owner that strangers are guessing the password: the counts, that nobody got in, what to do, and
    (`unlock_link`: the account's ceiling is spent) the link that lets one browser in. At most one a day, plus one
    with the link when the day's first had none. Returns whether a mail was made (sent or not)."""
    locked = unlock_link is not None
    if locked:
        if not ratelimit.consume(f"alert:guessing-locked:user:{user.pk}", 1, DAY_SECONDS).allowed:
            return False
        ratelimit.consume(f"alert:guessing:user:{user.pk}", 1, DAY_SECONDS)  # this is the day's notice too
    elif not ratelimit.consume(f"alert:guessing:user:{user.pk}", 1, DAY_SECONDS).allowed:
        return False
    attempts = password_guard.failures_today(user.pk)
    address = client_ip(request) or ""
    network = network_of(address) if address else ""
    recipient = account_address(user)
    sent = False
    if recipient and user.is_active:
        with translation.override(notifications.users_language(user)):
            common = notifications.common_context(request)
            context = {
                **common,
                "ip": "",  # said in words below, with the network
                "browser": "",
                "latest_browser": common["browser"],
                "username": user.get_username(),
                "attempts": attempts,
                "network": network,
                "unlock_url": unlock_link() if locked else "",
                "password_change_url": password_change_url(request),
            }
            subject = _("Many wrong passwords were tried on your %(site_name)s account") % {
                "site_name": app_settings.ISSUER
            }
            sent = notifications.send_templated_mail("guessing", subject, context, [recipient])
    kind = Kind.PASSWORD_CEILING if locked else Kind.PASSWORD_GUESSING
    emit(kind, user=user, request=request, attempts=attempts, network=network, link_sent=sent and locked, mailed=sent)
    return True
