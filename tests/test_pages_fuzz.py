"""Every HTML page answers any form input with a page, a redirect or a 4xx, never a server error,
and no page sends a session of any kind round in a circle of redirects.

Hypothesis posts random forms (the interface's field names with odd values: empty, huge, NUL bytes,
non-ASCII, repeated keys) to every page, from each state a session can be in.
"""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor.methods.email.models import EmailDevice

pytestmark = pytest.mark.slow

PAGES = [
    "/",
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/password/reset/",
    "/accounts/password/reset/MQ/set-password/",
    "/accounts/password/reset/x/not-a-token/",
    "/2fa/",
    "/2fa/verify/",
    "/2fa/reauthenticate/",
    "/2fa/setup/",
    "/2fa/setup/totp/",
    "/2fa/setup/email/",
    "/2fa/setup/sms/",
    "/2fa/backup-codes/",
    "/2fa/methods/totp/remove/",
    "/2fa/methods/nonsense/remove/",
    "/2fa/turn-off/",
    "/2fa/sessions/1/end/",
    "/2fa/sessions/end-others/",
    "/2fa/rescue/",
    "/admin/",
    "/admin/login/",
]
FIELDS = [
    "username",
    "email",
    "password",
    "password1",
    "password2",
    "old_password",
    "new_password1",
    "new_password2",
    "code",
    "remember",
    "phone",
    "message",
    "method",
    "action",
    "next",
    "restart",
]
ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "send",
            "use",
            "verify",
            "restart",
            "email",
            "sms",
            "totp",
            "backup",
            "help",
            "on",
            "//evil.example/",
            "https://evil.example/",
            "123456",
            "+15005550006",
            "\x00",
            "ö" * 500,
        ]
    ),
    st.text(min_size=5000, max_size=20000, alphabet="0123456789-ABCDEFGH "),
)
FORMS = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(ODD_TEXT, st.lists(ODD_TEXT, min_size=2, max_size=3)), max_size=6
)


def _sessions() -> dict[str, Client]:
    """One browser in each state: signed out, waiting for the second step, waiting for set-up, verified."""
    pending = make_user("pending")
    _device, _totp = add_totp(pending)
    EmailDevice.objects.create(user=pending, name="Email", email=pending.email, confirmed=True)
    make_user("newcomer")
    done = make_user("done", is_staff=True)
    _device, totp = add_totp(done)

    clients = {"anonymous": Client()}
    for name in ("pending", "newcomer", "done"):
        clients[name] = Client()
        sign_in(clients[name], name)
    assert clients["done"].post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    return clients


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_no_page_answers_random_forms_with_a_server_error(page):
    clients = _sessions()

    @hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(form=FORMS, who=st.sampled_from(sorted(clients)))
    def post(form, who):
        client = clients[who]
        client.raise_request_exception = True  # an exception in a view fails the test with its traceback
        for response in (
            client.post(page, form),
            client.get(page, {k: v for k, v in form.items() if isinstance(v, str) and len(v) < 500}),
        ):
            assert response.status_code < 500, (who, form, response.status_code)

    post()


@pytest.mark.django_db
@pytest.mark.parametrize("policy", ["all", "staff", "optional"])
def test_no_page_sends_any_session_round_in_circles(settings, policy):
    settings.TWOFACTOR_REQUIRED = policy
    clients = _sessions()
    make_user("methodless_staff", is_staff=True, is_superuser=True)
    clients["methodless_staff"] = Client()
    sign_in(clients["methodless_staff"], "methodless_staff")
    for who, client in clients.items():
        for page in PAGES:
            if page == "/accounts/logout/":
                continue  # POST only; following it would end the session for the pages after it
            url, seen = page, []
            for _hop in range(8):
                response = client.get(url)
                if response.status_code not in (301, 302):
                    break
                seen.append(url)
                url = response["Location"]
                assert url not in seen, f"{who} goes round in circles from {page}: {seen + [url]}"
            assert response.status_code < 500 and response.status_code not in (301, 302), (who, page, seen)
