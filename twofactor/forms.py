"""Forms validate every input, for the pages and the JSON API alike."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .codes import MAX_CODE_INPUT
from .core import registry
from .core.code_format import SIX_DIGITS, CodeFormat, invalid_message
from .flows import TwoFactorError, authenticate_password
from .models import RescueRequest

#: The active methods, read when a form is made (TWOFACTOR_METHODS may change in tests).
METHOD_CHOICES = registry.choices


def typed_formats(methods) -> list[CodeFormat]:
    """The code formats of `methods` that take a typed code, each once, in their order."""
    return list(dict.fromkeys(method.code_format for method in methods if method.typed_code))


def input_attrs(formats: list[CodeFormat]) -> dict:
    """The code input's attributes for codes of these formats: one format's own, else a text keyboard."""
    if len(formats) == 1:
        return formats[0].widget_attrs()
    digits = all(code_format.digits_only for code_format in formats)
    return {"inputmode": "numeric" if digits else "text", "autocomplete": "one-time-code"}


class CodeField(forms.CharField):
    """A typed code; the form (`CodeForm`) checks it against the formats of the methods it may be for."""

    default_error_messages = {"required": _("Enter the code.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_CODE_INPUT)
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"autofocus": True}))
        super().__init__(**kwargs)


class CodeForm(forms.Form):
    """A form with a typed `code`: refused with a clear error, before any device is asked, unless it has the
    format of a method it may be for (`Method.code_format`); the input is drawn for those formats."""

    def code_formats(self, method: str | None = None) -> list[CodeFormat]:
        """The formats `code` may have: the named method's, else every active method's that takes a typed code."""
        chosen = registry.get(method) if method else None
        if chosen is not None and chosen.typed_code:
            return [chosen.code_format]
        return typed_formats(registry.methods())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            self.fields["code"].widget.attrs.update(input_attrs(self.code_formats()))

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("code")
        if code:
            formats = self.code_formats(cleaned.get("method") or None)
            if not any(code_format.accepts(code) for code_format in formats):
                self.add_error("code", forms.ValidationError(invalid_message(formats), code="invalid"))
        return cleaned


#: Longest browser answer (a WebAuthn assertion as JSON text) a form takes; its method checks its shape.
MAX_CREDENTIAL_CHARS = 12_000


class VerifyForm(CodeForm):
    code = CodeField()
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False, widget=forms.HiddenInput)
    remember = forms.BooleanField(required=False, label=_("Remember this browser"))


class SetupConfirmForm(CodeForm):
    """The code from a method being set up: `method` (its key) when the page knows it, else any that is enrolled."""

    code = CodeField(help_text=_("The code from the new method, to prove it works."))

    def __init__(self, *args, method: str | None = None, **kwargs):
        self.method = method
        super().__init__(*args, **kwargs)

    def code_formats(self, method=None):
        chosen = registry.get(self.method)
        if chosen is not None and chosen.typed_code:
            return [chosen.code_format]
        return typed_formats(registry.enrollable())  # recovery codes are made, never confirmed


class ReauthenticateForm(CodeForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = CodeField(required=False)
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False)
    #: Instead of a code: a method's answer that is not typed (a passkey's assertion), with its `method`.
    credential = forms.CharField(required=False, max_length=MAX_CREDENTIAL_CHARS, widget=forms.HiddenInput)

    def __init__(self, *args, needs_code: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code
        if not needs_code:
            del self.fields["code"]
            del self.fields["method"]
            del self.fields["credential"]

    def clean(self):
        cleaned = super().clean()
        missing = self.needs_code and not cleaned.get("code") and not cleaned.get("credential")
        if missing and "code" in self.fields and "code" not in self.errors:
            self.add_error("code", self.fields["code"].error_messages["required"])
        return cleaned


class StepUpForm(CodeForm):
    """Confirm it's you: a code of one of the user's methods, or a passkey's answer (`credential`). No password."""

    code = CodeField(required=False)
    method = forms.ChoiceField(choices=METHOD_CHOICES, required=False)
    credential = forms.CharField(required=False, max_length=MAX_CREDENTIAL_CHARS, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("credential") and not cleaned.get("code") and "code" not in self.errors:
            self.add_error("code", self.fields["code"].error_messages["required"])
        return cleaned


class RescueCodeForm(CodeForm):
    """The 6-digit rescue code mailed to the account's address."""

    code = CodeField(label=_("Code from the email"))

    def code_formats(self, method=None):
        return [SIX_DIGITS]


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
