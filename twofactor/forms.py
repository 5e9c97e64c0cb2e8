"""Forms validate every input, for the pages and the JSON API alike."""
from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import MAX_CODE_INPUT, normalize_backup_code, normalize_numeric_code
from .models import RescueRequest
from .phone import MAX_PHONE_INPUT, default_region, parse_phone

METHOD_CHOICES = [("totp", _("Authenticator app")), ("sms", _("Text message")), ("email", _("Email")),
                  ("backup", _("Backup code"))]


class CodeField(forms.CharField):
    """A 6-digit code or a backup code; anything else is a clear form error before any check."""

    default_error_messages = {
        "required": _("Enter the code."),
        "invalid": _("Enter the 6-digit code, or a backup code like ABCD-EFGH-JKMN-PQRS."),
    }

    def __init__(self, *, allow_backup: bool = True, **kwargs):
        kwargs.setdefault("max_length", MAX_CODE_INPUT)
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        )
        self.allow_backup = allow_backup
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if normalize_numeric_code(value, 6) is None and not (self.allow_backup and normalize_backup_code(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class VerifyForm(forms.Form):
    code = CodeField()
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False, widget=forms.HiddenInput)
    remember = forms.BooleanField(required=False, label=_("Remember this browser"))


class SetupConfirmForm(forms.Form):
    code = CodeField(allow_backup=False, help_text=_("The 6-digit code, to prove the method works."))


class ReauthenticateForm(forms.Form):
    password = forms.CharField(label=_("Password"), strip=False, max_length=4096,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = CodeField(required=False)
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False)

    def __init__(self, *args, needs_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
            del self.fields["method"]


class EmailSetupForm(forms.Form):
    """Where email codes go: empty means the account's own address."""

    email = forms.EmailField(
        required=False, max_length=254, label=_("Another email address"),
        help_text=_("Leave empty to use your account's address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PhoneSetupForm(forms.Form):
    """A mobile number, checked and normalised to E.164 before any text is sent."""

    phone = forms.CharField(
        label=_("Mobile phone number"), max_length=MAX_PHONE_INPUT,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        error_messages={"required": _("Enter your mobile phone number.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = default_region()
        if region:
            self.fields["phone"].help_text = _(
                "International format (+1 415 555 0123), or a national number from region %(region)s."
            ) % {"region": region}
        else:
            self.fields["phone"].help_text = _("International format, starting with + and the country code.")

    def clean_phone(self) -> str:
        return parse_phone(self.cleaned_data["phone"]).as_e164


class BackupCodeForm(forms.Form):
    """A backup code typed on the rescue page."""

    code = CodeField(label=_("Backup code"))

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if normalize_backup_code(code) is None:
            raise forms.ValidationError(_("Enter a backup code like ABCD-EFGH-JKMN-PQRS."), code="invalid")
        return code


class RescueCodeForm(forms.Form):
    """The 6-digit rescue code mailed to the account's address."""

    code = CodeField(allow_backup=False, label=_("Code from the email"))


class RescueRequestForm(forms.Form):
    """A request for help to the administrators; the message may be empty."""

    message = forms.CharField(
        required=False, max_length=RescueRequest.MESSAGE_MAX_LENGTH, label=_("Message to the administrators"),
        help_text=_("How can we reach you to check it is really you? Do not write your password or any code."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("Keep your message under %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
