from django import forms
from django.utils.translation import gettext_lazy as _

from .ceremony import MAX_CREDENTIAL_CHARS
from .setup import NAME_MAX_LENGTH


class PasskeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_("So you can tell your passkeys apart, e.g. “Laptop” or “Blue YubiKey”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX_LENGTH)


class CredentialForm(forms.Form):
    """What the browser answered (navigator.credentials.create() or .get()), as JSON text."""

    credential = forms.CharField(
        max_length=MAX_CREDENTIAL_CHARS,
        widget=forms.HiddenInput,
        error_messages={"required": _("Your browser did not send a passkey. Passkeys need JavaScript.")},
    )


class EnrolmentForm(CredentialForm):
    name = PasskeyNameForm.base_fields["name"]


class SecondStepForm(CredentialForm):
    remember = forms.BooleanField(required=False, label=_("Remember this browser"))


class BeginForm(forms.Form):
    """The API's begin bodies take no field but an optional name (enrolment)."""

    name = PasskeyNameForm.base_fields["name"]
