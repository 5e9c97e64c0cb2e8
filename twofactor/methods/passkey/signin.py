"""Signing in with a passkey: as the second step (through the generic flows), or alone, without a password."""

from django.conf import settings
from django.contrib.auth import login
from django.utils.translation import gettext_lazy as _

from ... import flows, state
from ...errors import TwoFactorError
from ...signals import Kind, emit
from . import ceremony, throttle
from .models import KEY, PasskeyDevice
from .settings import passkey_settings

#: Challenge purposes: the second step of a sign-in (in the session), and a sign-in without a password (signed).
SECOND_STEP, PASSWORDLESS = "second_step", "passwordless"


def begin_second_step(request) -> dict:
    """Request options for the signed-in user's passkeys (the second step of a password sign-in)."""
    devices = PasskeyDevice.objects.filter(user=request.user, confirmed=True)
    if not devices.exists():
        raise TwoFactorError("invalid_method", _("You have no passkey."), status=400)
    throttle.count_begin(request)
    challenge = ceremony.issue_challenge(request, SECOND_STEP)
    return ceremony.authentication_options(request, challenge=challenge, devices=devices)


def begin_passwordless(request) -> dict:
    """Request options for any discoverable passkey of this site, user verification required.

    Nothing is stored for the stranger asking: the challenge is signed (ceremony.issue_signed_challenge),
    and the client address's budget of begins is counted."""
    if not passkey_settings.WEBAUTHN_PASSWORDLESS:
        raise TwoFactorError("not_found", _("Signing in with a passkey alone is turned off."), status=404)
    throttle.count_begin(request)
    challenge = ceremony.issue_signed_challenge(request, PASSWORDLESS)
    return ceremony.authentication_options(request, challenge=challenge, user_verification="required")


def _refused() -> TwoFactorError:
    # One message whatever went wrong: it does not tell whether the passkey belongs to anybody here.
    return TwoFactorError("invalid_credentials", _("That passkey could not sign you in."), status=401)


def sign_in_without_password(request, text: str):
    """A discoverable passkey, verified by its user, signs its owner in: the session is fully verified.

    The assertion goes through the same locked, exactly-once check as every code. It is counted against
    the client address before anything is checked; nothing is stored in a session until it signs in; a
    known credential, an unknown one and a bad signature get one answer, and none of them locks the credential.
    """
    if not passkey_settings.WEBAUTHN_PASSWORDLESS:
        raise TwoFactorError("not_found", _("Signing in with a passkey alone is turned off."), status=404)
    throttle.count_answer(request)
    credential = ceremony.parse_credential(text)
    challenge = ceremony.take_signed_challenge(request, PASSWORDLESS, credential)
    device = (
        PasskeyDevice.objects.filter(credential_id=ceremony.credential_id(credential), confirmed=True)
        .select_related("user")
        .first()
    )
    if device is None or not device.user.is_active:
        raise _refused()
    user = device.user
    bound = ceremony.bind(request, credential, challenge, require_user_verification=True)
    try:
        checked = flows.check_device_code(request, user, device, bound)  # the locked, exactly-once check; events
    except TwoFactorError:
        raise _refused() from None
    throttle.answer_accepted(request)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    # No password was given: re-authentication before weakening the account still asks for it.
    request.session.pop(state.REAUTH_KEY, None)
    state.mark_verified(request, checked)
    emit(Kind.SIGNED_IN, user=user, request=request, method=KEY, remembered=False, passwordless=True)
    return user
