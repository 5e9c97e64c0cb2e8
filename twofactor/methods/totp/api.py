"""POST /2fa/setup/totp: a pending authenticator key."""

from ...web.body import read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from .forms import TOTPSetupForm
from .setup import begin_totp


@endpoint("POST")
def setup(request):
    """A pending authenticator key; a repeated call keeps it unless `restart` asks for a new one."""
    data = read_json(request, TOTPSetupForm)
    enrolment = begin_totp(request, restart=data["restart"])
    return answer({"secret": enrolment.secret, "otpauth_uri": enrolment.otpauth_uri, "qr_svg": enrolment.qr_svg})
