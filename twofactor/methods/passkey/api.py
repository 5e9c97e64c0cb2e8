"""The passkey endpoints of the JSON API (also what the pages' script asks for its options)."""

from ... import flows, state
from ...web.body import read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from ...web.shapes import device_shape, session_shape
from .forms import BeginForm, CredentialForm, EnrolmentForm, SecondStepForm
from .models import KEY
from .setup import begin_enrolment, name_pending
from .signin import begin_passwordless, begin_second_step, sign_in_without_password


@endpoint("POST")
def setup_begin(request):
    """Creation options for navigator.credentials.create(); the challenge is good once, for a few minutes."""
    data = read_json(request, BeginForm)
    return answer({"publicKey": begin_enrolment(request, data["name"])})


@endpoint("POST")
def setup_complete(request):
    """The browser's new credential, verified and stored (the first method comes with backup codes)."""
    data = read_json(request, EnrolmentForm)
    name_pending(request, data["name"])
    stored = flows.confirm(request, data["credential"])
    primary = state.primary_device(state.devices_of(request.user))
    return answer(
        {
            "device": device_shape(stored.device, primary),
            "backup_codes": stored.backup_codes,
            "session": session_shape(request),
        }
    )


@endpoint("POST")
def verify_begin(request):
    """Request options for the second step of a sign-in with one of the user's passkeys."""
    read_json(request, BeginForm)
    return answer({"publicKey": begin_second_step(request)})


@endpoint("POST")
def verify_complete(request):
    """The assertion completes the pending sign-in, as a code would (`remember` as on /2fa/verify)."""
    data = read_json(request, SecondStepForm)
    flows.verify(request, data["credential"], method=KEY, remember_browser=data["remember"])
    return answer(session_shape(request))


@endpoint("POST", sign_in_required=False)
def sign_in_begin(request):
    """Request options for signing in with a passkey alone (any discoverable passkey, user verification)."""
    read_json(request, BeginForm)
    return answer({"publicKey": begin_passwordless(request)})


@endpoint("POST", sign_in_required=False)
def sign_in_complete(request):
    """The assertion signs its owner in, fully verified; one generic 401 for any passkey that does not."""
    data = read_json(request, CredentialForm)
    sign_in_without_password(request, data["credential"])
    return answer(session_shape(request))
