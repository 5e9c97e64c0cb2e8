"""Mails about security events: receivers of the signals in twofactor.signals.

The user is mailed when a method is added or removed, backup codes are made or used, a
rescue request is filed or handled, staff reset two-factor, the password is changed or reset, someone
signs in with a rescue code by email, and on a sign-in from a new browser and network; a password
change or reset and a rescue sign-in are texted to the account's phones as well. Rescue requests also go to TWOFACTOR_RESCUE_EMAIL (else ADMINS).
Each mail says what happened, when, from where, and what to do if it was not the user;
none carries a secret or a code. Templates (override them in a project):
    twofactor/email/notify_<name>.txt and .html, extending notify_base.txt and .html
A project that wants none of these mails disconnects `notify_user`, `notify_phones` and `notify_rescue_desk`.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import not_you, ratelimit
from .app_settings import app_settings
from .browsers import describe_browser
from .client_info import client_ip, user_agent
from .core import registry
from .delivery import mail_connection
from .links import absolute_url
from .models import RescueRequest, SecurityEvent
from .quoting import defang, quoted
from .signals import Kind
from .users import account_address

logger = logging.getLogger("twofactor.notifications")


#: Events mailed to the user: template name and subject.
USER_MAILS = {
    Kind.METHOD_ADDED: ("method_added", _("A two-factor method was added to your %(site_name)s account")),
    Kind.METHOD_REMOVED: ("method_removed", _("A two-factor method was removed from your %(site_name)s account")),
    Kind.BACKUP_CODES_GENERATED: ("backup_codes_generated", _("New backup codes for your %(site_name)s account")),
    Kind.BACKUP_CODE_USED: ("backup_code_used", _("A backup code was used on your %(site_name)s account")),
    Kind.BACKUP_CODES_LOW: ("backup_codes_low", _("Few backup codes left on your %(site_name)s account")),
    Kind.RESCUE_FILED: ("rescue_filed", _("We received your request for help with %(site_name)s")),
    Kind.RESCUE_HANDLED: ("rescue_handled", _("Your request for help with %(site_name)s was answered")),
    Kind.RESET: ("reset", _("Two-factor authentication was reset on your %(site_name)s account")),
    Kind.NEW_LOCATION: ("new_location", _("New sign-in to your %(site_name)s account")),
    Kind.PASSWORD_CHANGED: ("password_changed", _("The password of your %(site_name)s account was changed")),
    Kind.RESCUE_SESSION: ("rescue_session", _("Someone signed in to your %(site_name)s account with a rescue code")),
}

#: Within one request, the first mail of these pairs already tells the user about the second event.
COVERED_BY = {
    Kind.BACKUP_CODES_GENERATED: Kind.METHOD_ADDED,  # the first method comes with its backup codes
    Kind.RESET: Kind.RESCUE_HANDLED,  # an approved rescue request is a reset
    Kind.BACKUP_CODE_USED: Kind.BACKUP_CODES_LOW,  # the drop to few codes left says a code was used
}

#: Events done by staff: the mail names no address (it would be the staff member's).
STAFF_ACTIONS = {Kind.RESCUE_HANDLED, Kind.RESET}

#: Events whose request may be someone else's (a reset link opened by whoever holds the mailbox): the notice speaks
#: the user's language, as for staff actions, not the request's.
IN_USERS_LANGUAGE = {*STAFF_ACTIONS, Kind.PASSWORD_CHANGED, Kind.RESCUE_SESSION}

#: Events texted to every phone of the account as well (`Method.send_notice`, see `phone_notice`): a mail alone
#: would only tell whoever holds the mailbox, which is what a password reset by email needs.
PHONE_NOTICES = {Kind.PASSWORD_CHANGED, Kind.RESCUE_SESSION}

RESCUE_CODE = _("Rescue code by email")


def _method_name(key: str) -> str:
    """A method as the mails name it (events record the method's key, or "rescue" for the rescue code)."""
    method = registry.get(key)
    if method is not None:
        return method.title
    return RESCUE_CODE if key == "rescue" else key


def notify_user(sender, user, request, data, **kwargs) -> None:
    """Mail the user about the event `sender` (a Kind), unless a mail of this request already covered it."""
    kind = sender
    if kind not in USER_MAILS or not getattr(user, "pk", None) or data.get("notify") is False:
        return
    if kind == Kind.RESCUE_FILED and data.get("added_to_open"):
        return  # the first submission was acknowledged; more text goes to the same request
    mailed = _mailed_in(request)
    if (COVERED_BY.get(kind), user.pk) in mailed:
        return
    address = account_address(user)
    if not address:
        return
    name, subject = USER_MAILS[kind]
    by_staff = kind in STAFF_ACTIONS or bool(data.get("by_staff"))
    context = {
        **common_context(request),
        "user": user,
        "username": user.get_username(),
        "data": data,
        "method_name": _method_name(data.get("method", "")),
        "by_staff": by_staff,
    }
    if by_staff:
        context.update(ip="", browser="")
    if kind == Kind.NEW_LOCATION:
        context["not_you_url"] = not_you.link_for(request, user)  # ends that sign-in, signs nobody in
    # The user's own request speaks the user's language; a staff member's does not: use the user's last one.
    with translation.override(users_language(user) if kind in IN_USERS_LANGUAGE else translation.get_language()):
        subject = subject % {"site_name": app_settings.ISSUER}
        sent = send_templated_mail(name, subject, context, [address])
    if sent:
        mailed.add((kind, user.pk))


def notify_phones(sender, user, request, data, **kwargs) -> None:
    """Text the event `sender` (a Kind of PHONE_NOTICES) to every device of the account that has a channel of its
    own (a phone), in the user's language; never a code or a secret."""
    if sender not in PHONE_NOTICES or not getattr(user, "pk", None):
        return
    with translation.override(users_language(user)):
        text = phone_notice(sender, data) % {
            "site_name": app_settings.ISSUER,
            "url": _absolute(request, reverse("twofactor:overview")),
        }
        for method in registry.methods():
            for device in method.devices(user):
                method.send_notice(device, text.strip())


def phone_notice(kind: str, data: dict) -> str:
    """The text of a notice (%(site_name)s, %(url)s: the account's security page), in the active language."""
    if kind == Kind.RESCUE_SESSION:
        return _(
            "%(site_name)s: someone signed in to your account with a rescue code sent by email. Not you? Sign in "
            "with your app or a backup code, change your password and secure your mailbox: %(url)s"
        )
    if data.get("by_email"):
        return _(
            "%(site_name)s: the password of your account was reset with a link sent by email. Not you? Someone can "
            "read your mail: secure it, then reset your password and check your account: %(url)s"
        )
    if data.get("by_staff"):
        return _(
            "%(site_name)s: an administrator set a new password for your account. If you did not ask for it, "
            "contact the site's administrators: %(url)s"
        )
    return _(
        "%(site_name)s: the password of your account was changed. Not you? Reset your password now and check your "
        "account: %(url)s"
    )


def users_language(user) -> str:
    """The language of the user's latest sign-in or request for help (recorded with the event), else the site's."""
    event = (
        SecurityEvent.objects.filter(user=user, kind__in=(Kind.SIGNED_IN, Kind.RESCUE_FILED), data__has_key="language")
        .order_by("-created_at", "-pk")
        .first()
    )
    language = event.data["language"] if event is not None else ""
    available = {code for code, _name in settings.LANGUAGES}
    return language if language in available else settings.LANGUAGE_CODE


def notify_rescue_desk(sender, user, request, data, **kwargs) -> None:
    """Mail a filed rescue request (or the text added to an open one) to TWOFACTOR_RESCUE_EMAIL."""
    rescue = RescueRequest.objects.filter(pk=data.get("rescue_request")).select_related("user").first()
    if rescue is None:
        return
    recipients = app_settings.RESCUE_EMAIL
    if not recipients:
        logger.warning("Rescue request #%s was not mailed: set TWOFACTOR_RESCUE_EMAIL or ADMINS.", rescue.pk)
        return
    # Batched: text added to an open request is mailed at most once per RESCUE_DESK_MAIL_SECONDS (the filing's
    # mail counts), each mail quoting all of it; the admin shows every addition at once.
    window = max(1, min(app_settings.RESCUE_DESK_MAIL_SECONDS, ratelimit.MAX_WINDOW_SECONDS))
    if not ratelimit.consume(f"twofactor:rescue-desk-mail:{rescue.pk}", 1, window).allowed:
        return
    context = {
        **common_context(request),
        "rescue": rescue,
        "user": rescue.user,
        "username": defang(rescue.user.get_username()),  # chosen by whoever signed up: no link in it either
        "user_email": account_address(rescue.user),
        "added_to_open": bool(data.get("added_to_open")),
        # The requester's words, not the site's: quoted, every link disabled (twofactor.quoting).
        "quoted_message": quoted(rescue.message),
        "defanged_message": defang(rescue.message),
        "admin_url": _absolute(request, _admin_url(rescue)),
    }
    subject = _("Rescue request #%(id)s from %(username)s") % {"id": rescue.pk, "username": context["username"]}
    send_templated_mail("rescue_desk", subject, context, recipients)


def send_templated_mail(name: str, subject: str, context: dict, to: list[str]) -> bool:
    """Render twofactor/email/notify_<name>.txt and .html and send them; False (logged) when sending fails."""
    context = {"site_name": app_settings.ISSUER, **context}
    message = EmailMultiAlternatives(
        subject=" ".join(str(subject).split()),
        body=render_to_string(f"twofactor/email/notify_{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(render_to_string(f"twofactor/email/notify_{name}.html", context), "text/html")
    try:
        mail_connection().send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        # The security action itself is done; a mail server that is down must not undo or hide it.
        logger.warning("Could not send the %s mail to %d recipient(s): %s", name, len(to), error)
        return False
    return True


def common_context(request) -> dict:
    return {
        "when": timezone.now(),
        "ip": client_ip(request) or "",
        "browser": describe_browser(user_agent(request)) if request is not None else "",
        "overview_url": _absolute(request, reverse("twofactor:overview")),
    }


def _mailed_in(request) -> set:
    """The (kind, user id) pairs already mailed while handling `request` (a fresh set without one)."""
    if request is None:
        return set()
    if not hasattr(request, "_twofactor_mailed"):
        request._twofactor_mailed = set()
    return request._twofactor_mailed


def _admin_url(rescue: RescueRequest) -> str:
    try:
        return reverse("admin:twofactor_rescuerequest_change", args=[rescue.pk])
    except NoReverseMatch:
        return ""


def _absolute(request, path: str) -> str:
    return absolute_url(path, request)  # the configured origin, never the request's Host
