"""Forms validate every input, for the pages and the JSON API alike."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .codes import MAX_CODE_INPUT, normalize_backup_code, normalize_numeric_code
from .core import registry
from .flows import TwoFactorError, authenticate_password
from .models import RescueRequest

#: The active methods, read when a form is made (TWOFACTOR_METHODS may change in tests).
METHOD_CHOICES = registry.choices


#: A field for a 6-digit code: the digit keypad on phones, the code offered from a text message or mail.
NUMERIC_CODE_ATTRS = {"inputmode": "numeric", "pattern": "[0-9]{6}", "autocomplete": "one-time-code"}


class CodeField(forms.CharField):
    """A 6-digit code or a backup code; anything else is a clear form error before any check."""

    default_error_messages = {
        "required": _("Enter the code."),
        "invalid": _("Enter the 6-digit code, or a backup code like ABCD-EFGH-JKMN-PQRS."),
    }

    def __init__(self, *, allow_backup: bool = True, **kwargs):
        kwargs.setdefault("max_length", MAX_CODE_INPUT)
        kwargs.setdefault("label", _("Code"))
        attrs = {"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        if not allow_backup:
            attrs.update(NUMERIC_CODE_ATTRS)
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
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
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = CodeField(required=False)
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False)

    def __init__(self, *args, needs_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"].required = True
        else:
            del self.fields["code"]
            del self.fields["method"]


class RescueCodeForm(forms.Form):
    """The 6-digit rescue code mailed to the account's address."""

    code = CodeField(allow_backup=False, label=_("Code from the email"))


class RescueRequestForm(forms.Form):
    """A request for help to the administrators; the message may be empty."""

    message = forms.CharField(
        required=False,
        max_length=RescueRequest.MESSAGE_MAX_LENGTH,
        label=_("Message to the administrators"),
        help_text=_("How can we reach you to check it is really you? Do not write your password or any code."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("Keep your message under %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


class PasswordSignInForm(AuthenticationForm):
    """Django's sign-in form through the app's password step: guesses counted before the check, one generic error."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = authenticate_password(self.request, username, password)
            except TwoFactorError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return self.cleaned_data
