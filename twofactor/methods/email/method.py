"""Codes by email: a 6-digit code mailed at each sign-in."""

from django.utils.translation import gettext_lazy as _

from ... import delivery, mailbox, state
from ...client_info import budget_address
from ...core import registry
from ...errors import TwoFactorError
from ...models.devices import masked_email
from ...sent_code.caps import SendCap, digest, too_many_codes
from ...sent_code.method import SentCodeMethod
from ...users import account_address
from .forms import EmailSetupForm
from .models import EmailDevice
from .settings import EmailSettings, email_settings
from .setup import KEY, begin_email_setup


class EmailMethod(SentCodeMethod):
    key = KEY
    settings_class = EmailSettings
    label = _("Email")
    in_sentence = _("a code by email")
    title = _("Code by email")
    offer = _("Code by email")
    model = "twofactor.EmailDevice"
    mailbox_bound = True
    admin_fields = ("email",)
    target_form_class = EmailSetupForm
    setup_title = _("Get codes by email")
    setup_intro = _("At each sign-in we will mail you a 6-digit code. First, confirm that the address receives it.")
    setup_sent = _("We sent a 6-digit code to %(target)s. Enter it to confirm the address.")
    setup_change_target = _("Use a different address")
    setup_send_label = _("Send a code to this address")
    setup_other_target = _("Or use another address")
    api_summary = _("Send a confirmation code to the account's (or another) address.")

    def refusal(self, user):
        """While the password is one a reset by email set (twofactor.mailbox), the mailbox must not be the second
        factor too: not for staff, and not for an account that has another method (an account whose only method is
        email chose its mailbox as its second factor)."""
        if not mailbox.password_from_mailbox(user):  # one query, asked first: the device list costs one per method
            return None
        others = [
            device
            for device in state.devices_of(user)
            if device.method != KEY and not registry.for_device(device).recovery
        ]
        if others or mailbox.is_staff(user):
            return TwoFactorError(
                "email_factor_paused",
                _(
                    "Your password was reset by email, so a code by email cannot be your second step as well: use "
                    "another method or a backup code, or ask the administrators for help. Changing your password "
                    "once you are signed in lifts this."
                ),
                status=403,
            )
        return None

    def send_caps(self, request, target, *, enrolment):
        if not enrolment:
            return []  # a confirmed address: the account's cap and the cooldown hold
        # An address being enrolled is not proven: codes to it, from any account, spend budgets of their own, per
        # address and per client address, so sign-up spam can neither bomb a mailbox nor mail the world.
        return [
            SendCap(
                f"twofactor:send:email-enrolment:{digest(target)}",
                email_settings.EMAIL_ENROLMENT_LIMIT_PER_ADDRESS_HOUR,
                too_many_codes,
            ),
            SendCap(
                f"twofactor:send:email-enrolment-ip:{budget_address(request)}",
                email_settings.EMAIL_ENROLMENT_LIMIT_PER_IP_HOUR,
                too_many_codes,
            ),
        ]

    def deliver(self, target, code, *, purpose, user, host=""):
        delivery.send_code_email(target, code, purpose=purpose, user=user, host=host)

    def mask(self, target):
        return masked_email(target)

    def account_target(self, user):
        return account_address(user)

    def begin_setup(self, request, data):
        return begin_email_setup(request, data.get(KEY) or None)

    def new_device(self, user, target):
        return EmailDevice(user=user, name=str(_("Code by email")), email=target, confirmed=True)
