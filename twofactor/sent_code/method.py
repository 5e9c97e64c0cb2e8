"""What a method that sends a code on demand (email, text message) adds to the method contract.

The app gives every such method (`sends_code`) one set-up page (twofactor.views.code_setup) and one API step
(twofactor.api.views.methods.setup_sent_code), driven by the attributes below; its codes take the one send path
(sending.py) and the one check (checking.py).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..core.method import Method
from .caps import SendCap, account_cap
from .enrolment import check_enrolment_code
from .sending import SentCode


class SentCodeMethod(Method):
    """A method whose device is a `twofactor.models.SentCodeDevice`: a code goes to a target (address, number).

    Subclasses set `target_form_class` (one field, the target) and the page texts, and implement
    `deliver`, `mask` and `new_device`; `begin_setup` turns the form's cleaned data into a target.
    """

    sends_code = True
    sends_on_arrival = True
    verify_template = "twofactor/methods/sent_code_verify.html"
    setup_template = "twofactor/setup_code.html"
    target_form_class: type[forms.Form] = forms.Form
    #: Texts of the set-up page (see twofactor/setup_code.html).
    setup_title = ""
    setup_intro = ""
    setup_sent = ""  # with %(target)s
    setup_change_target = ""
    setup_note = ""
    setup_send_label = _("Send a code")
    setup_other_target = ""  # heading above the form when `account_target` offers a target already
    api_summary = ""

    @property
    def setup_view_names(self):
        return (f"setup_{self.key}",)

    @property
    def api_setup_view_names(self):
        return (f"setup_{self.key}",)

    # Sending

    def deliver(self, target: str, code: str, *, purpose: str, user, host: str = "") -> None:
        """Hand `code` to the outside world; raise twofactor.delivery.DeliveryError when that fails.

        `host` is the site's host name as the browser sees it: text messages end with the origin-bound
        line "@host #code" (WebOTP) so phones and browsers offer the code for that site only."""
        raise NotImplementedError

    def mask(self, target: str) -> str:
        """The target as shown to whoever is signing in."""
        raise NotImplementedError

    def check_target(self, target: str) -> None:
        """Raise TwoFactorError when a code may not be sent to `target` (any more)."""

    def send_caps(self, request, target: str, *, enrolment: bool) -> list[SendCap]:
        """Hourly caps of this method besides the per-account one (`enrolment`: the target is not proven yet)."""
        return []

    def caps(self, request, target: str, *, enrolment: bool) -> list[SendCap]:
        """Every cap a code to `target` counts against; TwoFactorError when no code may go there (`check_target`)."""
        self.check_target(target)
        return [account_cap(request.user), *self.send_caps(request, target, enrolment=enrolment)]

    def account_target(self, user) -> str:
        """A target the account already has (offered with one button), or ""."""
        return ""

    # Enrolment

    def begin_setup(self, request, data: dict) -> SentCode:
        """Send a code to the target in the set-up form's cleaned `data`."""
        raise NotImplementedError

    def new_device(self, user, target: str):
        """The unsaved, confirmed device for a proven target."""
        raise NotImplementedError

    def confirm_pending(self, request, record, code):
        return self.new_device(request.user, check_enrolment_code(request, record, code))
