"""Configuration mistakes become system-check errors (twofactor.E001 …) with a hint; settings that are
fine for development but wrong in production (DEBUG off) become warnings (twofactor.W001 …)."""

import warnings

from django.conf import settings
from django.core.checks import Error, Info, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from . import contact, mailbox
from .app_settings import REQUIRED_CHOICES, app_settings
from .core import registry

MIDDLEWARE_PATH = "twofactor.middleware.TwoFactorMiddleware"


@register(Tags.security)
def check_settings(app_configs, **kwargs):
    errors = _check_policy()
    middleware = list(settings.MIDDLEWARE)
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if MIDDLEWARE_PATH not in middleware or (
        auth in middleware and middleware.index(MIDDLEWARE_PATH) < middleware.index(auth)
    ):
        errors.append(
            Error(
                "TwoFactorMiddleware is not installed after AuthenticationMiddleware.",
                hint=f"Add {MIDDLEWARE_PATH!r} to MIDDLEWARE after {auth!r}.",
                id="twofactor.E002",
            )
        )
    if "django_otp.middleware.OTPMiddleware" in middleware:
        errors.append(
            Error(
                "django-otp's OTPMiddleware is installed next to TwoFactorMiddleware.",
                hint="Remove OTPMiddleware: TwoFactorMiddleware provides is_verified() without a query per request.",
                id="twofactor.E003",
            )
        )
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.signed_cookies":
        errors.append(
            Error(
                "Signed-cookie sessions cannot be ended from the server, so revocation would not work.",
                hint="Use the db, cache or cached_db session engine.",
                id="twofactor.E004",
            )
        )
    if any(not key.strip() for key in app_settings.ENCRYPTION_KEYS):
        errors.append(
            Error(
                "TWOFACTOR_ENCRYPTION_KEYS contains an empty key.",
                hint="Give comma-separated, non-empty keys, newest first.",
                id="twofactor.E005",
            )
        )
    if app_settings.REMEMBER_DAYS < 0:
        errors.append(
            Error(
                "TWOFACTOR_REMEMBER_DAYS is negative.",
                hint="Use 0 to turn the option off.",
                id="twofactor.E006",
            )
        )
    if app_settings.RATE_LIMIT_STORE not in ("database", "cache"):
        errors.append(
            Error(
                f"TWOFACTOR_RATE_LIMIT_STORE is {app_settings.RATE_LIMIT_STORE!r}.",
                hint="Use database or cache.",
                id="twofactor.E007",
            )
        )
    errors.extend(_check_trusted_proxies())
    errors.extend(_check_site_url())
    errors.extend(_check_alerts())
    if not 1 <= app_settings.IPV6_PREFIX <= 128:
        errors.append(
            Error(
                f"TWOFACTOR_IPV6_PREFIX is {app_settings.IPV6_PREFIX}.",
                hint="Give the bits of the network rate limits count an IPv6 client by (64, a subscriber's, by default).",
                id="twofactor.E032",
            )
        )
    return errors


def _check_policy() -> list[Error]:
    """twofactor.E001 and E050-E053: who must use two-factor, and for how long they may wait."""
    from .state.policy import is_dotted_path, policy_callable

    errors = []
    required = app_settings.REQUIRED
    if is_dotted_path(required):
        try:
            decide = policy_callable()
        except ImportError as error:
            errors.append(
                Error(
                    f"TWOFACTOR_REQUIRED is {required!r}, which cannot be imported ({error}).",
                    hint="Give the dotted path of a function (user) -> bool, e.g. myproject.policy.requires_two_factor, "
                    "or all, staff or optional.",
                    id="twofactor.E050",
                )
            )
        else:
            if not callable(decide):
                errors.append(
                    Error(
                        f"TWOFACTOR_REQUIRED is {required!r}, which is not callable.",
                        hint="Name a function (user) -> bool, or set all, staff or optional.",
                        id="twofactor.E050",
                    )
                )
    elif not callable(required) and required not in REQUIRED_CHOICES:
        errors.append(
            Error(
                f"TWOFACTOR_REQUIRED is {required!r}.",
                hint="Set TWOFACTOR_REQUIRED to all, staff or optional, or the dotted path of a function (user) -> bool.",
                id="twofactor.E001",
            )
        )
    errors.extend(_check_required_groups())
    for name in ("GRACE_DAYS", "STAFF_GRACE_DAYS"):
        try:
            days = getattr(app_settings, name)
        except (TypeError, ValueError):
            days = None
        if days is None or days < 0:
            errors.append(
                Error(
                    f"TWOFACTOR_{name} is {getattr(settings, 'TWOFACTOR_' + name, None)!r}.",
                    hint="Give a whole number of days, 0 or more (0: a method must be set up at once).",
                    id="twofactor.E052",
                )
            )
    try:
        reminders = app_settings.REMINDER_DAYS
    except (TypeError, ValueError):
        reminders = None
    if reminders is None or any(day < 1 for day in reminders):
        errors.append(
            Error(
                f"TWOFACTOR_REMINDER_DAYS is {getattr(settings, 'TWOFACTOR_REMINDER_DAYS', None)!r}.",
                hint="Give whole numbers of days before the deadline, 1 or more, e.g. 7,3,1 (or none: no reminders).",
                id="twofactor.E053",
            )
        )
    return errors


def _check_required_groups() -> list[Error]:
    """twofactor.E051: a group in TWOFACTOR_REQUIRED_GROUPS that does not exist would require nobody, silently."""
    from django.contrib.auth.models import Group
    from django.db import DatabaseError

    names = app_settings.REQUIRED_GROUPS
    if not names:
        return []
    try:
        found = set(Group.objects.filter(name__in=names).values_list("name", flat=True))
    except DatabaseError:  # no tables yet (before the first migrate): nothing to compare with
        return []
    return [
        Error(
            f"TWOFACTOR_REQUIRED_GROUPS names the group {name!r}, which does not exist.",
            hint="Create the group (admin, Groups) or correct the name: until then its members are not required to "
            "use two-factor.",
            id="twofactor.E051",
        )
        for name in names
        if name not in found
    ]


def _check_alerts() -> list[Error]:
    """twofactor.E060-E061: the settings of the mails that alert the owner (issue 25)."""
    from django.shortcuts import resolve_url
    from django.urls import NoReverseMatch

    errors = []
    if app_settings.PASSWORD_ALERT_FAILURES < 0:
        errors.append(
            Error(
                f"TWOFACTOR_PASSWORD_ALERT_FAILURES is {app_settings.PASSWORD_ALERT_FAILURES}.",
                hint="Give the wrong codes in a row that alert the owner (5 by default), or 0 to turn the alert off.",
                id="twofactor.E060",
            )
        )
    if hasattr(settings, "TWOFACTOR_PASSWORD_CHANGE_URL"):  # the default may name nothing: mails then link /2fa/
        try:
            target = resolve_url(app_settings.PASSWORD_CHANGE_URL)
        except NoReverseMatch:
            target = ""
        if not str(target).startswith(("/", "https://")):
            errors.append(
                Error(
                    f"TWOFACTOR_PASSWORD_CHANGE_URL is {app_settings.PASSWORD_CHANGE_URL!r}, which names no page here.",
                    hint="Give the URL name or the path of the project's password change page (or its https address).",
                    id="twofactor.E061",
                )
            )
    return errors


def _check_site_url():
    from .links import problem_with

    if app_settings.SITE_URL:
        problem = problem_with(app_settings.SITE_URL)
        if problem:
            return [
                Error(
                    f"TWOFACTOR_SITE_URL is {app_settings.SITE_URL!r}: {problem}.",
                    hint="Give the origin only, e.g. https://example.com (http only for localhost).",
                    id="twofactor.E031",
                )
            ]
        return []
    if settings.DEBUG or app_settings.TRUST_HOST_HEADER:  # the router vouches for the host; links drop its port
        return []
    return [
        Error(
            "TWOFACTOR_SITE_URL is not set, so links in mails would follow the request's Host header, which the "
            "client writes (its port is not checked by ALLOWED_HOSTS).",
            hint="Set TWOFACTOR_SITE_URL to the site's origin, e.g. https://example.com.",
            id="twofactor.E030",
        )
    ]


def _check_trusted_proxies() -> list[Error]:
    """twofactor.E009: TWOFACTOR_TRUSTED_PROXIES neither a hop count nor a list of addresses."""
    import ipaddress

    trusted = app_settings.TRUSTED_PROXIES
    hint = "Give a number of proxy hops (Heroku and Render: 1) or comma-separated proxy addresses or networks."
    if isinstance(trusted, bool) or not isinstance(trusted, (int, list)) or (isinstance(trusted, int) and trusted < 0):
        return [Error(f"TWOFACTOR_TRUSTED_PROXIES is {trusted!r}.", hint=hint, id="twofactor.E009")]
    for entry in trusted if isinstance(trusted, list) else []:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            return [Error(f"TWOFACTOR_TRUSTED_PROXIES has {entry!r}, not an address.", hint=hint, id="twofactor.E009")]
    return []


@register(Tags.security)
def check_methods(app_configs, **kwargs):
    """Each active method's own configuration (`Method.check`); a bad TWOFACTOR_METHODS is reported on use."""
    try:
        active = registry.methods()
    except ImproperlyConfigured:
        return []
    return [*_check_staff_methods(active), *(message for method in active for message in method.check())]


def _check_staff_methods(active) -> list[Error]:
    """twofactor.E070: TWOFACTOR_STAFF_METHODS names an inactive method, one whose codes go to a mailbox, or none
    that is active (no staff member could enter the admin)."""
    methods = {method.key: method for method in active}
    usable = [key for key, method in methods.items() if not method.mailbox_bound and not method.recovery]
    hint = f"List keys of active methods that are not mailbox-bound nor recovery codes (here: {', '.join(usable)})."
    for key in mailbox.staff_methods():
        method = methods.get(key)
        if method is None:
            problem = "is not an active method (TWOFACTOR_METHODS)"
        elif method is not None and method.mailbox_bound:
            problem = "sends its codes to a mailbox, which a password reset by email reaches too"
        elif method is not None and method.recovery:
            problem = "is recovery codes, which come with another method"
        else:
            continue
        return [Error(f"TWOFACTOR_STAFF_METHODS has {key!r}, which {problem}.", hint=hint, id="twofactor.E070")]
    if not any(key in methods for key in mailbox.staff_methods()):
        return [
            Error(
                "No method of TWOFACTOR_STAFF_METHODS is active: no staff member could enter the admin.",
                hint=hint,
                id="twofactor.E070",
            )
        ]
    return []


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security)
def check_production_settings(app_configs, **kwargs):
    """With DEBUG off: keys tied to SECRET_KEY, counters per process."""
    if settings.DEBUG:
        return []
    warnings = []
    if not app_settings.ENCRYPTION_KEYS:
        warnings.append(
            Warning(
                "TWOFACTOR_ENCRYPTION_KEYS is not set, so the key for secrets at rest is derived from SECRET_KEY: "
                "changing SECRET_KEY would make every authenticator key unreadable, and one leaked value exposes both.",
                hint="Set TWOFACTOR_ENCRYPTION_KEYS to a separate random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'); to move existing secrets, list the new key first and run "
                "manage.py twofactor_rotate_keys.",
                id="twofactor.W001",
            )
        )
    warnings.extend(_check_shared_counters())
    return warnings


#: Mail backends that write messages out (to the process's output or to files) instead of sending them.
WRITING_MAIL_BACKENDS = (CONSOLE_EMAIL, "django.core.mail.backends.filebased.EmailBackend")


def mail_backend() -> str:
    """The dotted path of the default mail backend (Django 6.1's MAILERS, else EMAIL_BACKEND)."""
    mailers = getattr(settings, "MAILERS", None)
    if mailers is not None:
        return mailers.get("default", {}).get("BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    with warnings.catch_warnings():  # Django 6.1 warns on reading EMAIL_BACKEND: the project's to migrate, not ours
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return settings.EMAIL_BACKEND


@register(Tags.security)
def check_codes_stay_out_of_logs(app_configs, **kwargs):
    """twofactor.E010: with DEBUG off, mail must be sent, never written to the log or to files: sign-in and rescue
    codes (and the project's password-reset links) would be readable there by anyone who reads the logs."""
    if settings.DEBUG or mail_backend() not in WRITING_MAIL_BACKENDS:
        return []
    return [
        Error(
            f"With DEBUG off, mail goes to {mail_backend()}, which writes messages out instead of sending them: "
            "sign-in codes, rescue codes and password-reset links would land in the log or in files, and reach no one.",
            hint="Set EMAIL_BACKEND to a backend that sends (django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST, "
            "EMAIL_PORT, EMAIL_USE_TLS …; on Django 6.1 the MAILERS setting), or turn DEBUG on for development.",
            id="twofactor.E010",
        )
    ]


def _check_shared_counters() -> list[Warning]:
    """twofactor.W004: rate limits kept in a cache that belongs to one process."""
    warnings = []
    cache_backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if app_settings.RATE_LIMIT_STORE == "cache" and cache_backend in PROCESS_LOCAL_CACHES:
        warnings.append(
            Warning(
                f"TWOFACTOR_RATE_LIMIT_STORE is cache but the default cache ({cache_backend.rsplit('.', 1)[-1]}) belongs "
                "to one process: every web process and server would count attempts and sends on its own.",
                hint="Point the default cache (CACHES) at a shared server such as Redis, or set TWOFACTOR_RATE_LIMIT_STORE "
                "to database.",
                id="twofactor.W004",
            )
        )
    return warnings


@register(Tags.caches, deploy=True)
def explain_rate_limit_store(app_configs, **kwargs):
    """`check --deploy` says where attempts are counted, and what happens when the cache is down."""
    if app_settings.RATE_LIMIT_STORE == "database":
        message = "Rate limits are counted in the database (one row per key), shared by every app server."
    elif app_settings.RATE_LIMIT_STORE == "cache":
        backend = settings.CACHES.get("default", {}).get("BACKEND", "").rsplit(".", 1)[-1]
        message = (
            f"Rate limits are counted in the default cache ({backend}); while it cannot be reached they are counted "
            f"in the database, and the cache is asked again every {app_settings.CACHE_RETRY_SECONDS} seconds."
        )
    else:
        return []  # twofactor.E007 says what is wrong
    return [Info(message, id="twofactor.I001")]


@register(Tags.security)
def check_security_contact(app_configs, **kwargs):
    """twofactor.E040: the security contact users are shown is an email address or an https:// URL."""
    if not app_settings.SECURITY_CONTACT or contact.parse(app_settings.SECURITY_CONTACT):
        return []
    return [
        Error(
            f"TWOFACTOR_SECURITY_CONTACT is {app_settings.SECURITY_CONTACT!r}, which is neither an email address nor "
            "an https:// URL.",
            hint='Set TWOFACTOR_SECURITY_CONTACT to an address ("security@example.com") or a page '
            '("https://example.com/security"), or leave it empty.',
            id="twofactor.E040",
        )
    ]
