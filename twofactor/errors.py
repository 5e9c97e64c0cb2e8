"""The one error type the flows (and what they use) raise; pages show `message`, the API answers `code` with `status`."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class TwoFactorError(Exception):
    def __init__(
        self,
        code: str,
        message,
        *,
        status: int = 400,
        retry_after: int = 0,
        fields: dict | None = None,
        extra: dict | None = None,
    ):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.fields = fields or {}
        self.extra = extra or {}  # more members of the API's error object (step_up_required: max_age)


def invalid_code() -> TwoFactorError:
    return TwoFactorError("invalid_code", _("That code is not valid. Check it and try again."))


def throttled(retry_after: int) -> TwoFactorError:
    return TwoFactorError(
        "throttled",
        ngettext(
            "Too many attempts. Try again in %(seconds)d second.",
            "Too many attempts. Try again in %(seconds)d seconds.",
            retry_after,
        )
        % {"seconds": retry_after},
        status=429,
        retry_after=retry_after,
    )


def reauthentication_required() -> TwoFactorError:
    return TwoFactorError(
        "reauthentication_required",
        _("For your security, confirm your password (and a code) before making this change."),
        status=403,
    )


def step_up_required(max_age: int) -> TwoFactorError:
    return TwoFactorError(
        "step_up_required",
        _("Confirm it's you with a code or a passkey, then try again."),
        status=401,
        extra={"max_age": max_age},
    )
