from django import forms
from django.utils.translation import gettext_lazy as _


class TOTPSetupForm(forms.Form):
    """The API's set-up body."""

    restart = forms.BooleanField(required=False, help_text=_("Replace a pending key with a new one."))
