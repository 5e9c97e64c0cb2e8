"""The user's methods: list, enrol (TOTP, email, SMS, confirm), remove, backup codes."""
from ... import flows, state
from ...forms import EmailSetupForm, PhoneSetupForm, SetupConfirmForm
from ..body import read_json
from ..endpoint import endpoint
from ..forms import EmptyForm, TOTPSetupForm
from ..responses import answer
from ..shapes import device_shape, sent_code_shape, session_shape


def _devices_answer(user):
    devices = state.devices_of(user)
    primary = state.primary_device(devices)
    return answer({"devices": [device_shape(device, primary) for device in devices]})


@endpoint("GET")
def devices(request):
    return _devices_answer(request.user)


@endpoint("DELETE")
def device(request, device_id: str):
    """Remove one method (recent re-authentication required); answers the methods left."""
    read_json(request, EmptyForm)
    flows.remove_method(request, device_id)
    return _devices_answer(request.user)


@endpoint("POST")
def setup_totp(request):
    """A pending authenticator key; a repeated call keeps it unless `restart` asks for a new one."""
    data = read_json(request, TOTPSetupForm)
    enrolment = flows.begin_totp(request, restart=data["restart"])
    return answer({"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri, "qr_svg": enrolment.qr_svg})


@endpoint("POST")
def setup_email(request):
    data = read_json(request, EmailSetupForm)
    return answer(sent_code_shape(flows.begin_email_setup(request, data["email"] or None)))


@endpoint("POST")
def setup_sms(request):
    data = read_json(request, PhoneSetupForm)
    return answer(sent_code_shape(flows.begin_sms_setup(request, data["phone"])))


@endpoint("POST")
def setup_confirm(request):
    """Store the pending method once its code checks out; the first method comes with backup codes."""
    data = read_json(request, SetupConfirmForm)
    stored = flows.confirm(request, data["code"])
    primary = state.primary_device(state.devices_of(request.user))
    return answer({
        "device": device_shape(stored.device, primary),
        "backup_codes": stored.backup_codes,
        "session": session_shape(request),
    })


@endpoint("POST")
def backup_codes(request):
    """A new set of backup codes, shown this once (recent re-authentication required)."""
    read_json(request, EmptyForm)
    return answer({"backup_codes": flows.regenerate_backup_codes(request)})
