"""Every TWOFACTOR_* setting, with its default, read lazily from django.conf.settings.

This module is the one place where the app's settings are documented. A project sets
`TWOFACTOR_<NAME>` in its settings; nothing here is read at import time.
"""

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings

REQUIRED_CHOICES = ("all", "staff", "optional")

#: The methods this app ships, in the order they are offered.
BUILTIN_METHODS = (
    "twofactor.methods.totp.method.TOTPMethod",
    "twofactor.methods.sms.method.SMSMethod",
    "twofactor.methods.email.method.EmailMethod",
    "twofactor.methods.passkey.method.PasskeyMethod",
    "twofactor.methods.backup.method.BackupCodesMethod",
)


def method_package(path: str):
    """The package of the method class at dotted `path` ("twofactor.methods.sms" for its method.SMSMethod)."""
    return import_module(path.rsplit(".", 2)[0])


def installed(path: str) -> bool:
    """Whether the libraries the method at `path` needs are installed: its package names them (`REQUIRES`), and
    they are found, not imported."""
    return all(find_spec(module) is not None for module in getattr(method_package(path), "REQUIRES", ()))


def installed_builtin_methods() -> list[str]:
    """The built-in methods whose extras are installed: all five with `[sms,passkeys]`."""
    return [path for path in BUILTIN_METHODS if installed(path)]


class Settings:
    """`TWOFACTOR_<NAME>` settings, each a property that reads its value lazily with its default (`_get`) and says
    what it means in its docstring. The core's are AppSettings; a method declares its own in a subclass (its
    `Method.settings_class`), which `app_settings` reads too."""

    #: Every Settings subclass a method declares, in the order their modules were imported.
    declared: list[type["Settings"]] = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__name__ != "AppSettings":
            Settings.declared.append(cls)

    def _get(self, name: str, default):
        return getattr(settings, f"TWOFACTOR_{name}", default)


class AppSettings(Settings):
    """The core's settings; a method's (TWOFACTOR_SMS_BACKEND, TWOFACTOR_WEBAUTHN_RP_ID …) are read through this
    object as well."""

    def __getattr__(self, name: str):
        if name.isupper():
            import_builtin_method_settings()
            for settings_class in Settings.declared:
                if isinstance(getattr(settings_class, name, None), property):
                    return getattr(settings_class(), name)
        raise AttributeError(f"No setting TWOFACTOR_{name}: neither the core nor a loaded method declares it.")

    @property
    def REQUIRED(self) -> str:
        """Who must use two-factor: "all", "staff" (staff and superusers), "optional", or the dotted path of a
        callable `(user) -> bool` (twofactor.policy)."""
        return self._get("REQUIRED", "all")

    @property
    def REQUIRED_GROUPS(self) -> list[str]:
        """Names of groups whose members must use two-factor, whatever TWOFACTOR_REQUIRED says."""
        value = self._get("REQUIRED_GROUPS", [])
        if isinstance(value, str):
            value = value.split(",")
        return [name.strip() for name in value if name.strip()]

    @property
    def GRACE_DAYS(self) -> int:
        """Days a newly required user without a method may go on (a banner counts them down) before the site
        sends them to set-up; 0: at once. Never for an account that has a method."""
        return int(self._get("GRACE_DAYS", 0))

    @property
    def STAFF_GRACE_DAYS(self) -> int:
        """The grace period of staff and superusers; TWOFACTOR_GRACE_DAYS unless set (0: no grace for staff)."""
        value = self._get("STAFF_GRACE_DAYS", None)
        return self.GRACE_DAYS if value is None or value == "" else int(value)

    @property
    def REMINDER_DAYS(self) -> list[int]:
        """Days before the deadline at which `manage.py twofactor_send_reminders` mails a user in grace."""
        value = self._get("REMINDER_DAYS", [7, 3, 1])
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        return sorted({int(day) for day in value}, reverse=True)

    @property
    def ENCRYPTION_KEYS(self) -> list[str]:
        """Keys for secrets at rest, newest first; empty means derived from SECRET_KEY."""
        return list(self._get("ENCRYPTION_KEYS", []))

    @property
    def ISSUER(self) -> str:
        """Issuer shown in authenticator apps and in mails."""
        return self._get("ISSUER", "Django")

    @property
    def REMEMBER_DAYS(self) -> int:
        """Lifetime of "remember this browser"; 0 turns the option off."""
        return int(self._get("REMEMBER_DAYS", 30))

    @property
    def PASSWORD_ALERT_FAILURES(self) -> int:
        """Wrong answers in a row for a method at the second step (the right password was given) that mail the owner
        "someone knows your password" at once, as the method's throttle tripping does; at most one such mail per
        account a day. 0 turns the alert off."""
        return int(self._get("PASSWORD_ALERT_FAILURES", 5))

    @property
    def PASSWORD_CHANGE_URL(self) -> str:
        """Where the alert mails and the "Not you?" page send the owner to change the password: a URL name, a path or
        an https address (Django's "password_change" unless set; the security page when it does not resolve)."""
        return self._get("PASSWORD_CHANGE_URL", "password_change")

    @property
    def RESCUE_EMAIL(self) -> list[str]:
        """Where rescue requests are mailed; the ADMINS addresses when empty."""
        value = self._get("RESCUE_EMAIL", [])
        if isinstance(value, str):
            value = [value]
        return list(value) or [address for _name, address in settings.ADMINS]

    @property
    def SITE_URL(self) -> str:
        """The canonical origin ("https://example.com") of every link in a mail; required when DEBUG is off
        (development falls back to the request's origin). Never taken from the request's Host."""
        return str(self._get("SITE_URL", "") or "")

    @property
    def SECURITY_CONTACT(self) -> str:
        """Where people report a security problem with this site: an email address ("security@example.com") or
        an https:// URL (a disclosure page). Shown on each user's two-factor page (/2fa/) when set."""
        return str(self._get("SECURITY_CONTACT", "") or "").strip()

    @property
    def RESCUE_BY_EMAIL(self) -> bool:
        """Whether the rescue page may mail a one-time code to the account's address."""
        return bool(self._get("RESCUE_BY_EMAIL", True))

    @property
    def RESCUE_WAIT_HOURS(self) -> int:
        """Hours a session that signed in with a rescue code by email stays limited: it cannot add, remove or rename
        a method, make backup codes, change the password or sign other sessions out. The account's address and
        phones are told at the sign-in, so the owner can end it first."""
        return int(self._get("RESCUE_WAIT_HOURS", 72))

    @property
    def STAFF_METHODS(self) -> list[str]:
        """Keys of the methods that count for staff and superusers, never one whose codes go to a mailbox (a reset by
        email reaches that too); empty (the default) means every active method that is neither mailbox-bound nor
        recovery codes. Staff hold one before any other method, cannot remove their last one, and enter the admin
        only once they hold one. A site may narrow it, e.g. to ["totp", "passkey"]."""
        value = self._get("STAFF_METHODS", [])
        if isinstance(value, str):
            value = value.split(",")
        return [key.strip() for key in value if key.strip()]  # empty: twofactor.mailbox.staff_methods() decides

    @property
    def PENDING_SIGN_IN_SECONDS(self) -> int:
        """How long a password-only sign-in may wait for its second step."""
        return int(self._get("PENDING_SIGN_IN_SECONDS", 600))

    @property
    def SETUP_SECONDS(self) -> int:
        """How long a password-only session may set up a first method (a "setup" session then expires)."""
        return int(self._get("SETUP_SECONDS", 900))

    @property
    def REAUTH_SECONDS(self) -> int:
        """How recent a password (and code) must be before an account is weakened."""
        return int(self._get("REAUTH_SECONDS", 300))

    @property
    def CODE_VALIDITY_SECONDS(self) -> int:
        """Lifetime of a code sent by email or SMS (the rescue code by email too)."""
        return int(self._get("CODE_VALIDITY_SECONDS", 600))

    @property
    def COOLDOWN_SECONDS(self) -> int:
        """Minimum wait between two codes sent to one device."""
        return int(self._get("COOLDOWN_SECONDS", 60))

    @property
    def THROTTLE_FACTOR(self) -> int:
        """django-otp back-off: after n failures wait factor * 2**(n-1) seconds; 0 disables."""
        return int(self._get("THROTTLE_FACTOR", 1))

    @property
    def SEND_LIMIT_PER_ACCOUNT_HOUR(self) -> int:
        """Codes one account may be sent per hour: by email and SMS, for sign-in, enrolment and rescue together."""
        return int(self._get("SEND_LIMIT_PER_ACCOUNT_HOUR", 10))

    @property
    def RESCUE_LIMIT_PER_ACCOUNT_HOUR(self) -> int:
        """Rescue submissions (requests and emailed codes) per account per hour."""
        return int(self._get("RESCUE_LIMIT_PER_ACCOUNT_HOUR", 5))

    @property
    def RESCUE_REQUESTS_PER_IP_HOUR(self) -> int:
        """Rescue requests to the staff (new or added to) per client address per hour."""
        return int(self._get("RESCUE_REQUESTS_PER_IP_HOUR", 3))

    @property
    def RESCUE_DESK_MAIL_SECONDS(self) -> int:
        """Text added to an open rescue request is mailed to the staff at most once in this many seconds (the
        mail quotes everything added so far; the admin shows it all)."""
        return int(self._get("RESCUE_DESK_MAIL_SECONDS", 3600))

    @property
    def PASSWORD_FAILURES_PER_ACCOUNT_IP(self) -> int:
        """Password attempts for one account from one address per 15 minutes; also the budget of one known browser
        (its device cookie, shared by every copy of it) per day."""
        return int(self._get("PASSWORD_FAILURES_PER_ACCOUNT_IP", 10))

    @property
    def PASSWORD_FAILURES_PER_IP(self) -> int:
        """Password attempts from one address, whatever the account, per 15 minutes."""
        return int(self._get("PASSWORD_FAILURES_PER_IP", 50))

    @property
    def PASSWORD_FAILURES_PER_ACCOUNT(self) -> int:
        """The account's ceiling per day, from every address together (NIST SP 800-63B: at most 100).
        Browsers holding the account's device cookie are exempt while their own budget lasts; once it is spent the
        owner is mailed a link that lets one browser in, and a password change or reset clears it."""
        return int(self._get("PASSWORD_FAILURES_PER_ACCOUNT", 100))

    @property
    def DEVICE_COOKIE_DAYS(self) -> int:
        """Lifetime of the device cookie a full sign-in leaves in the browser (a password change or reset revokes it);
        0 turns device cookies off."""
        return int(self._get("DEVICE_COOKIE_DAYS", 365))

    @property
    def BASE_TEMPLATE(self) -> str:
        """The template the app's pages extend (blocks `title` and `content`): the project's own frame, e.g.
        "base.html"; by default the app's standalone "twofactor/standalone.html"."""
        return self._get("BASE_TEMPLATE", "twofactor/standalone.html")

    @property
    def LOGIN_URL(self) -> str:
        """Where an expired sign-in is sent (a URL name or path): Django's LOGIN_URL unless set."""
        return self._get("LOGIN_URL", settings.LOGIN_URL)

    @property
    def LOGOUT_URL(self) -> str:
        """The host's sign-out (a URL name or path), reachable while the second step is pending: LOGOUT_URL, else
        the URL named "logout"."""
        return self._get("LOGOUT_URL", getattr(settings, "LOGOUT_URL", "logout"))

    @property
    def METHODS(self) -> list[str]:
        """Dotted paths of the methods users may use, in the order they are offered (twofactor.core.method.Method).
        Unset: the built-in methods whose libraries are installed (TOTP, email and backup codes always; text messages
        with the wheel's [sms] extra, passkeys with [passkeys])."""
        value = self._get("METHODS", None)
        return installed_builtin_methods() if value is None else list(value)

    @property
    def TRUST_HOST_HEADER(self) -> bool:
        """The Host header is known to name this site even with DEBUG off, because the router in front forwards a
        request only to the app that owns its host (Heroku's): passkeys may then take their relying party and
        origin from the request when TWOFACTOR_WEBAUTHN_RP_ID / _ORIGINS are unset. Off: they must be set."""
        return bool(self._get("TRUST_HOST_HEADER", False))

    @property
    def EVENT_RETENTION_DAYS(self) -> int:
        """Security events older than this are deleted by `manage.py twofactor_prune_events`; 0 keeps them all."""
        return int(self._get("EVENT_RETENTION_DAYS", 365))

    @property
    def RATE_LIMIT_STORE(self) -> str:
        """Where rate limits are counted: "database" (shared by every app server) or "cache" (the default cache, e.g.
        Redis; while it cannot be reached, the database counts instead)."""
        return self._get("RATE_LIMIT_STORE", "database")

    @property
    def CACHE_RETRY_SECONDS(self) -> int:
        """While the cache cannot be reached, rate limits count in the database; the cache is asked again
        after this many seconds (twofactor.cache_health)."""
        return max(1, int(self._get("CACHE_RETRY_SECONDS", 30)))

    @property
    def IPV6_PREFIX(self) -> int:
        """Rate limits count an IPv6 client by its network of this many bits (a subscriber holds a /64)."""
        return int(self._get("IPV6_PREFIX", 64))

    @property
    def TRUSTED_PROXIES(self) -> int | list[str]:
        """Proxies in front of the app whose X-Forwarded-For entries are trusted: a number of hops, or their
        addresses (IPs, CIDR networks); 0 (the default) ignores X-Forwarded-For. Heroku and Render: 1."""
        value = self._get("TRUSTED_PROXIES", 0)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
            if len(value) == 1 and value[0].isdigit():
                return int(value[0])
        if isinstance(value, (list, tuple)):
            return [str(item) for item in value]
        return value

    @property
    def ALLOWED_PATHS(self) -> list[str]:
        """Extra path prefixes a session waiting for its second step may reach."""
        return list(self._get("ALLOWED_PATHS", []))


@cache
def import_builtin_method_settings() -> None:
    """The built-in methods' settings modules (light: they import nothing else), whether or not they are offered."""
    for dotted_path in BUILTIN_METHODS:
        package = dotted_path.rsplit(".", 2)[0]
        if find_spec(f"{package}.settings") is not None:
            import_module(f"{package}.settings")


app_settings = AppSettings()
