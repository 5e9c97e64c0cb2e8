"""What a method's typed code looks like: its length and alphabet, which the shared forms check before any device
is asked, and how its field is drawn (the keyboard phones show, what the browser may fill in)."""

import string
from dataclasses import dataclass, field

from django.utils.translation import gettext, gettext_lazy

from ..codes import MAX_CODE_INPUT


def _described(length: int, digits: bool) -> str:
    if digits:
        return gettext("the %(length)d-digit code") % {"length": length}
    return gettext("the %(length)d-character code") % {"length": length}


@dataclass(frozen=True)
class CodeFormat:
    #: Symbols in a code, separators left out.
    length: int = 6
    #: The symbols a code is made of; letters are read case-insensitively.
    alphabet: str = string.digits
    #: The field's `inputmode` (the keyboard phones show) and `autocomplete` (one-time-code: browsers offer a
    #: code that just arrived by text message).
    input_mode: str = "numeric"
    autocomplete: str = "one-time-code"
    #: Separators people type between symbols (whitespace always is one), dropped before the check.
    separators: str = ""
    #: How error messages name the code ("the 6-digit code"); made from the length and alphabet when empty.
    description: str = field(default="", compare=False)

    def normalize(self, value) -> str | None:
        """The code as typed, separators dropped and upper-cased; None when it cannot be a code of this format."""
        if not isinstance(value, str) or len(value) > MAX_CODE_INPUT:
            return None
        cleaned = "".join(ch for ch in value if not ch.isspace() and ch not in self.separators).upper()
        if len(cleaned) != self.length or any(ch not in self.alphabet for ch in cleaned):
            return None
        return cleaned

    def accepts(self, value) -> bool:
        return self.normalize(value) is not None

    @property
    def digits_only(self) -> bool:
        return set(self.alphabet) <= set(string.digits)

    def widget_attrs(self) -> dict:
        """The input's attributes: keyboard, autofill, and for digits only a pattern the browser checks."""
        attrs = {"inputmode": self.input_mode, "autocomplete": self.autocomplete}
        if self.digits_only and not self.separators:
            attrs["pattern"] = f"[0-9]{{{self.length}}}"
        return attrs

    def describe(self) -> str:
        return str(self.description) if self.description else _described(self.length, self.digits_only)


#: The six digits of authenticator apps (RFC 6238) and of codes sent by mail or text message.
SIX_DIGITS = CodeFormat(description=gettext_lazy("the 6-digit code"))


def invalid_message(formats) -> str:
    """The sentence for a code that fits none of `formats` (in the order the methods are offered)."""
    described = list(dict.fromkeys(code_format.describe() for code_format in formats))
    if not described:
        return gettext("That code is not valid. Check it and try again.")
    return gettext("Enter %(code)s.") % {"code": _either(described)}


def _either(descriptions: list[str]) -> str:
    if len(descriptions) == 1:
        return descriptions[0]
    return gettext("%(code)s, or %(other)s") % {"code": descriptions[0], "other": _either(descriptions[1:])}
