import binascii

from django import forms


class TokenSecretForm(forms.Form):
    """The secret printed on the token's card, in hexadecimal (the set-up step's only field)."""

    secret = forms.CharField(max_length=128, help_text="The token's secret, in hexadecimal.")

    def clean_secret(self) -> bytes:
        text = "".join(self.cleaned_data["secret"].split())
        try:
            key = binascii.unhexlify(text)
        except (binascii.Error, ValueError):
            raise forms.ValidationError("Enter the secret in hexadecimal.", code="invalid") from None
        if len(key) < 16:
            raise forms.ValidationError("The secret is too short (at least 16 bytes).", code="invalid")
        return key
