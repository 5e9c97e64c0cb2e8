"""What a two-factor method is to the rest of the app: one small class per method.

A method is a package (its device model, forms, set-up steps, templates) with one `Method`
subclass that the rest of the app asks: the pages, flows, session state, admin, API and
OpenAPI document iterate the registry (`twofactor.core.registry`) and never name a method.
Add one by writing a package like `twofactor/methods/totp/` anywhere (any installed app may
hold its device model) and listing its class in TWOFACTOR_METHODS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.apps import apps

from .code_format import SIX_DIGITS, CodeFormat

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.urls import URLPattern

    from ..models.devices import TwoFactorDevice


class Method:
    """One way of giving the second step. Subclass it, set the class attributes, override what applies."""

    #: Short name used in URLs, the API, the session and events ("totp"); unique among the methods.
    key: ClassVar[str] = ""
    #: What users see: "Authenticator app".
    label: ClassVar[str] = ""
    #: Its name in mails and messages ("Backup codes"); the label when left empty.
    title: ClassVar[str] = ""
    #: Its link on the "add a method" page; the label when left empty.
    offer: ClassVar[str] = ""
    #: The method's name inside a sentence, as people say it ("a backup code", "an authenticator app"): the security
    #: record's "Signed in with …"; `title` when empty.
    in_sentence: ClassVar[str] = ""
    #: What follows the link on that page.
    description: ClassVar[str] = ""
    #: "app_label.ModelName" of its device model, a `twofactor.models.TwoFactorDevice` subclass.
    model: ClassVar[str] = ""
    #: Recovery codes: never offered first, not chosen on the set-up page, made along with the
    #: first method (`provision`) and removed with the last one.
    recovery: ClassVar[bool] = False
    #: A code is sent on demand (the sign-in page shows "send me a code"); see `sent_code.SentCodeMethod`.
    sends_code: ClassVar[bool] = False
    #: A method that sends codes sends one as the sign-in page first shows it (once per sign-in); off for a method
    #: whose code must be asked for (a voice call would ring at every page load).
    sends_on_arrival: ClassVar[bool] = False
    #: Included on the sign-in step above the code field: what to do to get a code.
    verify_template: ClassVar[str] = "twofactor/methods/verify_code.html"
    #: Recovery methods: a card of their own on the user's two-factor page, and an option on the rescue page
    #: (a form posted with action=<key>, its code checked like any other sign-in code).
    overview_template: ClassVar[str | None] = None
    rescue_template: ClassVar[str | None] = None
    #: Its settings (TWOFACTOR_<NAME>): a twofactor.app_settings.Settings subclass whose properties read them with
    #: their defaults; documented with the core's, and readable through `app_settings` too.
    settings_class: ClassVar[type | None] = None
    #: Extra read-only device fields the admin shows (never a secret).
    admin_fields: ClassVar[tuple[str, ...]] = ()
    #: URL names (in the app's and the API's namespaces) of the set-up steps a session that
    #: must first add a method may reach; the first one is the set-up page offered to users.
    setup_view_names: ClassVar[tuple[str, ...]] = ()
    api_setup_view_names: ClassVar[tuple[str, ...]] = ()
    #: URL names (app and API namespaces) a session whose second step is pending may reach besides the
    #: sign-in page: a method whose answer is not a typed code posts it to a view of its own.
    verify_view_names: ClassVar[tuple[str, ...]] = ()
    api_verify_view_names: ClassVar[tuple[str, ...]] = ()
    #: Its codes go to a mailbox (email): whoever resets the password by email reads them too, so it never stands in
    #: for a second factor after such a reset, and never counts as a staff method (TWOFACTOR_STAFF_METHODS).
    mailbox_bound: ClassVar[bool] = False
    #: The sign-in page shows the typed-code form under `verify_template` (off for a method that answers
    #: another way, e.g. a signature made by the browser, whose template brings its own form).
    typed_code: ClassVar[bool] = True
    #: What a typed code of this method looks like (length, alphabet) and how its field is drawn (`inputmode`,
    #: `autocomplete`): the shared forms refuse any other input before a device is asked.
    code_format: ClassVar[CodeFormat] = SIX_DIGITS
    #: Included on the password sign-in page when `offers_sign_in()`: a way to sign in without a password.
    login_template: ClassVar[str | None] = None
    #: A method whose answer is not a typed code: its form on the "confirm it's you" page (step-up) and on
    #: re-authentication. It posts `credential` (the answer) and `method` (its key) to the page it is on;
    #: the page's context has `action` ("step_up" or "reauthenticate") and `next`.
    confirm_template: ClassVar[str | None] = None
    #: The security record's sentence for a refused answer whose device gave a `rejection_reason`
    #: (e.g. a passkey whose signature counter went backwards), keyed by that reason.
    rejection_reasons: ClassVar[dict] = {}

    def __init__(self) -> None:
        if not self.title:
            self.title = self.label
        if not self.offer:
            self.offer = self.label
        if not self.in_sentence:
            self.in_sentence = self.title

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"

    # The device model

    def get_model(self) -> type[TwoFactorDevice]:
        return apps.get_model(self.model)

    @property
    def multiple(self) -> bool:
        """Whether a user may hold several devices of this method (its model says: `one_per_user`)."""
        return not self.get_model().one_per_user

    def devices(self, user) -> QuerySet:
        """The user's confirmed devices of this method (one, unless the model allows several), oldest first."""
        return self.get_model().objects.filter(user=user, confirmed=True).order_by("pk")

    # Pages and API

    def urls(self) -> list[URLPattern]:
        """Page URL patterns, mounted in the app's URLconf (namespace "twofactor")."""
        return []

    def api_urls(self) -> list[URLPattern]:
        """API URL patterns, mounted in the API's URLconf."""
        return []

    @property
    def setup_url_name(self) -> str | None:
        return f"twofactor:{self.setup_view_names[0]}" if self.setup_view_names else None

    def details(self, device: TwoFactorDevice) -> dict:
        """Fields the API adds to this method's device shape (never a secret); None when they do not apply."""
        return {"target": getattr(device, "masked_target", None), "remaining_codes": None}

    def openapi_paths(self) -> dict:
        """OpenAPI path items of `api_urls`, keyed by path relative to the API root (see twofactor.api.openapi)."""
        return {}

    def openapi_schemas(self) -> dict:
        """OpenAPI component schemas `openapi_paths` refers to."""
        return {}

    def summary(self, device: TwoFactorDevice) -> str:
        """A few words on the device's state for staff (admin, twofactor_status): "7 unused"; never a secret."""
        return ""

    def admin_queryset(self, queryset: QuerySet) -> QuerySet:
        """The admin's list of this method's devices: annotate what `admin_fields` would otherwise query per row."""
        return queryset

    def check(self) -> list:
        """System-check messages about this method's configuration (see twofactor.checks)."""
        return []

    # Sign-in

    def refusal(self, user):
        """A TwoFactorError when this method may not be `user`'s second step right now, else None."""
        return None

    def offers_sign_in(self) -> bool:
        """Whether the password sign-in page offers `login_template`."""
        return bool(self.login_template)

    def device_for_code(self, devices: list[TwoFactorDevice], code: str) -> TwoFactorDevice | None:
        """Which of the user's devices of this method (several when `multiple`) `code` is meant for."""
        return devices[0] if devices else None

    def bind_code(self, request, code: str) -> str:
        """What the device checks for `code` as submitted: the code itself, unless the answer depends on a
        challenge the session holds, which this takes (once) and binds to it. May raise TwoFactorError."""
        return code

    def recognizes(self, code: str) -> bool:
        """Whether `code`, sent without a method, is unmistakably one of this method's (a backup code's shape)."""
        return False

    def on_code_accepted(self, request, user, device: TwoFactorDevice) -> None:
        """After one of this method's codes was accepted (sign-in or re-authentication)."""

    def sign_in_notices(self, request, user) -> list[str]:
        """What the user should see on the first page after signing in (a few backup codes left): sentences, or
        safe HTML. Asked on that page, not at the second step, so signing in reads nothing more."""
        return []

    def pending_label(self, device: TwoFactorDevice) -> str:
        """How the second step names `device` before the session is verified: never a name its owner chose (a
        method whose devices the owner names, as passkeys, overrides this; the others' names are the app's)."""
        return device.name

    def usable(self, device: TwoFactorDevice) -> bool:
        """Whether the device can still give a code (the rescue page offers recovery methods that can)."""
        return True

    def send_notice(self, device: TwoFactorDevice, text: str) -> bool:
        """Tell the device's owner of a security event (a password change) through the device's own channel, if it
        has one (a phone): the account's mailbox is told anyway, and may be the attacker's. False when not sent."""
        return False

    # Enrolment

    def confirm_pending(self, request, record: dict, code: str) -> TwoFactorDevice:
        """Check `code` against the pending enrolment `record`; return the unsaved, confirmed device."""
        raise NotImplementedError

    def rescue_form_class(self):
        """Recovery methods: the form of their rescue-page option (a `code` field)."""
        raise NotImplementedError

    def provision(self, user) -> list[str] | None:
        """Recovery methods: make the codes given with the user's first method (shown once)."""
        return None
