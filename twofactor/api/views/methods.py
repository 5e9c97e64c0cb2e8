"""The user's methods: list, remove, confirm an enrolment, and the set-up step of methods that send codes.

Each method adds its own endpoints (Method.api_urls); these are the ones every method shares.
"""

from ... import flows, state
from ...core import registry
from ...forms import SetupConfirmForm
from ...web.body import EmptyForm, read_json
from ...web.endpoint import endpoint
from ...web.responses import answer, not_found
from ...web.shapes import device_shape, sent_code_shape, session_shape


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
def setup_sent_code(request, method: str):
    """Send a code to the target of a new method that sends codes (the fields are the method's set-up form)."""
    sender = registry.get(method)
    if sender is None or not sender.sends_code:
        raise not_found()
    data = read_json(request, sender.target_form_class)
    return answer(sent_code_shape(sender.begin_setup(request, data)))


@endpoint("POST")
def setup_confirm(request):
    """Store the pending method once its code checks out; the first method comes with backup codes."""
    data = read_json(request, SetupConfirmForm, method=(flows.pending(request) or {}).get("method"))
    stored = flows.confirm(request, data["code"])
    primary = state.primary_device(state.devices_of(request.user))
    return answer(
        {
            "device": device_shape(stored.device, primary),
            "backup_codes": stored.backup_codes,
            "session": session_shape(request),
        }
    )
