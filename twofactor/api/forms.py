"""Forms for the API's request bodies that the pages have no form for (the others are twofactor.forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..core import registry
from ..forms import ReauthenticateForm, RescueCodeForm, RescueRequestForm


def sent_code_choices() -> list[tuple[str, str]]:
    """The active methods that send codes."""
    return [(method.key, method.label) for method in registry.sending()]


class LoginForm(forms.Form):
    username = forms.CharField(max_length=254, strip=False)
    password = forms.CharField(max_length=4096, strip=False)


class SendCodeForm(forms.Form):
    """POST /2fa/challenge: which method sends the code."""

    method = forms.ChoiceField(choices=sent_code_choices)


class APIReauthenticateForm(ReauthenticateForm):
    """The page's form; `code` and `method` are accepted (and ignored) when the user has no method."""

    def __init__(self, *args, needs_code: bool = True, **kwargs):
        super().__init__(*args, needs_code=True, **kwargs)
        self.needs_code = needs_code


class RescueForm(RescueCodeForm, RescueRequestForm):
    """The rescue page's options in one body: `email` sends a code, `email_code` enters it, `help` asks staff."""

    option = forms.ChoiceField(
        choices=[
            ("email", _("Send a code by email")),
            ("email_code", _("Enter the code from the email")),
            ("help", _("Ask the administrators")),
        ]
    )
    field_order = ["option", "code", "message"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False  # only for email_code

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("option") == "email_code" and not cleaned.get("code") and "code" not in self.errors:
            self.add_error("code", self.fields["code"].error_messages["required"])
        return cleaned
