"""Sign-up and sign-in forms."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from twofactor import flows


class SignUpForm(UserCreationForm):
    """Username, email and password, checked by the site's password validators."""

    email = forms.EmailField(
        label=_("Email address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        username = super().clean_username()
        if get_user_model()._default_manager.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken. Please choose another one."), code="unique")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if get_user_model()._default_manager.filter(email__iexact=email).exists():
            # Neither "an account exists" nor "sign in to it": the form confirms no account to a prober (whose
            # submissions the sign-up page also budgets per client address).
            raise forms.ValidationError(_("This email address cannot be used for a new account."), code="unique")
        return email


class SignInForm(AuthenticationForm):
    """Django's sign-in form, labelled for a username or an email address, one generic error."""

    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "autofocus": True}),
    )

    def clean(self):
        # The password step shared with the JSON API: one generic error, failures throttled.
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = flows.authenticate_password(self.request, username, password)
            except flows.TwoFactorError as error:
                raise forms.ValidationError(error.message, code=error.code) from None
        return self.cleaned_data
