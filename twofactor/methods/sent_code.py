"""What the methods that send a code on demand share (email, text message): one set-up page, one API step."""

from django import forms
from django.urls import path
from django.utils.translation import gettext_lazy as _

from ..api import openapi
from ..api.views.methods import setup_sent_code
from ..core.method import Method
from ..flows import challenge
from ..views.challenge import code_setup_page


class SentCodeMethod(Method):
    """A method whose device is a `twofactor.models.SentCodeDevice`: a code goes to a target (address, number).

    Subclasses set `target_form_class` (one field, the target) and the page texts, and implement
    `deliver`, `mask` and `new_device`; `begin_setup` turns the form's cleaned data into a target.
    """

    sends_code = True
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

    def urls(self):
        return [path(f"setup/{self.key}/", code_setup_page, {"method": self.key}, name=f"setup_{self.key}")]

    def api_urls(self):
        return [path(f"2fa/setup/{self.key}", setup_sent_code, {"method": self.key}, name=f"setup_{self.key}")]

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

    def send_caps(self, request, target: str, *, enrolment: bool) -> list[challenge.SendCap]:
        """Hourly caps of this method besides the per-account one (`enrolment`: the target is not proven yet)."""
        return []

    def account_target(self, user) -> str:
        """A target the account already has (offered with one button), or ""."""
        return ""

    # Enrolment

    def begin_setup(self, request, data: dict) -> challenge.SentCode:
        """Send a code to the target in the set-up form's cleaned `data`."""
        raise NotImplementedError

    def new_device(self, user, target: str):
        """The unsaved, confirmed device for a proven target."""
        raise NotImplementedError

    def confirm_pending(self, request, record, code):
        return self.new_device(request.user, challenge.check_pending_code(request, record, code))

    def openapi_paths(self):
        required = any(field.required for field in self.target_form_class().fields.values())
        return {
            f"/2fa/setup/{self.key}": {
                "post": openapi.operation(
                    f"setup{self.key.capitalize()}",
                    str(self.api_summary),
                    "SentCode",
                    [*openapi.BODY_ERRORS, 409, 429, 503],
                    form=self.target_form_class,
                    body_required=required,
                )
            }
        }
