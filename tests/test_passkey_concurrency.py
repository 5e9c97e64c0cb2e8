"""One passkey assertion submitted many times at once is accepted exactly once (real threads, own connections).

Runs on SQLite (immediate transactions) and PostgreSQL (row locks) alike. The authenticator whose
counter stays at 0 (as synced passkeys do) leaves only the challenge check to refuse the copies.
"""

import copy
import json
import secrets

import pytest
from django.test import Client

from tests.support.soft_authenticator import ORIGIN, RP_ID, SoftAuthenticator, b64
from tests.support.users import PASSWORD, make_user
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.models import SecurityEvent
from twofactor.verification import verify_code

from .test_concurrency import run_at_once

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
ROUNDS = 5


def passkey_for(user, key: SoftAuthenticator) -> PasskeyDevice:
    key.user_handle = secrets.token_bytes(32)
    return PasskeyDevice.objects.create(
        user=user,
        name="Key",
        confirmed=True,
        credential_id=key.credential_id,
        public_key=key._cose_key(),
        user_handle=key.user_handle,
    )


def bound_assertion(key: SoftAuthenticator) -> str:
    challenge = b64(secrets.token_bytes(32))
    credential = key.get({"challenge": challenge, "rpId": RP_ID})
    return json.dumps(
        {
            "credential": credential,
            "challenge": challenge,
            "rp_id": RP_ID,
            "origins": [ORIGIN],
            "require_user_verification": False,
        }
    )


@pytest.mark.parametrize("counts", [True, False], ids=["counter", "counter stays at 0"])
def test_one_assertion_checked_by_many_threads_is_accepted_once(counts):
    for round_number in range(ROUNDS):
        key = SoftAuthenticator(counts=counts)
        device = passkey_for(make_user(f"user{counts}{round_number}"), key)
        bound = bound_assertion(key)

        def work(index, device=device, bound=bound):
            yield
            return verify_code(device, bound).accepted

        assert sum(run_at_once(work)) == 1
        fresh = PasskeyDevice.objects.get(pk=device.pk)
        assert fresh.sign_count == (1 if counts else 0)
        # The copies after the first were refused, and never counted against the credential (issue 20.5).
        assert fresh.throttling_failure_count == 0


def test_two_submissions_of_one_assertion_to_the_sign_in_page_sign_in_once():
    for round_number in range(ROUNDS):
        key = SoftAuthenticator(counts=False)
        user = make_user(f"carol{round_number}")
        passkey_for(user, key)
        browser = Client()
        assert browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
        options = browser.post("/api/v1/2fa/verify/passkey/begin", "{}", content_type="application/json").json()
        credential = json.dumps(key.get(options["publicKey"]))
        cookies = browser.cookies

        def work(index, cookies=cookies, credential=credential):
            twin = Client()
            # The same session cookie, sent twice at once (a double click, a replaying proxy): each copy keeps the
            # cookie as it was, as a browser's two requests in flight do, whatever the other's answer sets.
            twin.cookies = copy.deepcopy(cookies)
            yield
            response = twin.post("/2fa/verify/passkey/", {"credential": credential})
            return response.status_code, response.get("Location", "")

        answers = run_at_once(work, count=2)
        signed_in = [answer for answer in answers if answer[0] == 302 and not answer[1].startswith("/accounts/login/")]
        assert len(signed_in) == 1, answers
        # The other copy is refused (400), or, when it starts after the first rotated the session key, finds its
        # session gone and is sent to the password page.
        (other,) = [answer for answer in answers if answer not in signed_in]
        assert other[0] == 400 or other[1].startswith("/accounts/login/"), answers
        assert SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.SIGNED_IN).count() == 1
