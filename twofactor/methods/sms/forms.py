from django import forms
from django.utils.translation import gettext_lazy as _

from .phone import MAX_PHONE_INPUT, default_region, parse_phone


class PhoneSetupForm(forms.Form):
    """A mobile number, checked and normalised to E.164 before any text is sent."""

    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=MAX_PHONE_INPUT,
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
