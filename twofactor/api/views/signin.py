"""The second sign-in step, codes by email or SMS, re-authentication and the lost-device path."""

from ... import flows, state
from ...app_settings import app_settings
from ...forms import StepUpForm, VerifyForm
from ...web.body import read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from ...web.shapes import sent_code_shape, session_shape
from ..forms import APIReauthenticateForm, RescueForm, SendCodeForm


@endpoint("POST")
def send_code(request):
    """Send a code by email or SMS, for the second step or for re-authentication (POST /2fa/challenge)."""
    data = read_json(request, SendCodeForm)
    return answer(sent_code_shape(flows.send_sign_in_code(request, data["method"])))


@endpoint("POST")
def verify(request):
    """Complete a pending sign-in with a code; `remember` also sets the remember-this-browser cookie."""
    data = read_json(request, VerifyForm)
    flows.verify(request, data["code"], method=data["method"] or None, remember_browser=data["remember"])
    return answer(session_shape(request))


@endpoint("POST")
def reauthenticate(request):
    """Prove the password (and a code, when the user has methods) before removing a method or new codes."""
    data = read_json(request, APIReauthenticateForm, needs_code=bool(state.devices_of(request.user)))
    answer_ = data.get("credential") or data.get("code") or ""  # a passkey's answer counts as the code
    flows.reauthenticate(request, data["password"], answer_, data.get("method") or None)
    return answer({"reauthenticated": True, "valid_seconds": app_settings.REAUTH_SECONDS})


@endpoint("POST")
def rescue(request):
    """Lost device, as on the rescue page: a code by email (`email`, then `email_code`), or help from staff."""
    data = read_json(request, RescueForm)
    option = data["option"]
    if option == "email":
        return answer({"option": option, **sent_code_shape(flows.send_rescue_code(request))})
    if option == "email_code":
        flows.verify_rescue_code(request, data["code"])
        return answer({"option": option, "session": session_shape(request)})
    flows.file_rescue_request(request, data["message"])
    return answer({"option": option, "filed": True})


@endpoint("POST")
def step_up(request):
    """Confirm it's you for a view that answered 401 step_up_required: a code (`code`, `method`?) or a passkey's
    answer (`credential`, `method`; options from POST /2fa/verify/passkey/begin). Never a password."""
    data = read_json(request, StepUpForm)
    flows.step_up(request, data["credential"] or data["code"], data["method"] or None)
    return answer({"confirmed": True, "session": session_shape(request)})
