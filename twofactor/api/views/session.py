"""The session: who is signed in, the password step, signing out."""

from django.contrib import auth
from django.middleware.csrf import get_token

from ... import flows
from ...web.body import EmptyForm, read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from ...web.shapes import session_shape
from ..forms import LoginForm


@endpoint("GET", sign_in_required=False)
def session(request):
    """The session shape; also sets the csrftoken cookie every unsafe request must echo."""
    get_token(request)
    return answer(session_shape(request))


@endpoint("POST", sign_in_required=False)
def login(request):
    """The password step (throttled, as on the sign-in page); the answer tells what the second step needs."""
    data = read_json(request, LoginForm)
    user = flows.authenticate_password(request, data["username"], data["password"])
    auth.login(request, user)  # the twofactor receiver of user_logged_in starts the second step
    return answer(session_shape(request))


@endpoint("POST", sign_in_required=False)
def logout(request):
    read_json(request, EmptyForm)
    auth.logout(request)
    return answer(session_shape(request))
