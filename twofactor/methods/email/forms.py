from django import forms
from django.utils.translation import gettext_lazy as _


class EmailSetupForm(forms.Form):
    """Where email codes go: empty means the account's own address."""

    email = forms.EmailField(
        required=False,
        max_length=254,
        label=_("Another email address"),
        help_text=_("Leave empty to use your account's address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
