"""Passkeys (WebAuthn) on the server: enrolment, the second step, sign-in without a password.

Every response is made by tests/support/soft_authenticator.py: a real P-256 key signs real WebAuthn
structures, so py_webauthn checks genuine signatures, origins, RP ids, challenges and counters.
"""

import json
import logging
import secrets
import time

import pytest
from django.test import Client

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_totp
from tests.support.soft_authenticator import SoftAuthenticator, b64
from tests.support.user_agents import LAPTOP
from tests.support.users import PASSWORD, make_user
from twofactor import activity
from twofactor.methods.passkey.models import PasskeyDevice
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.django_db


def enrol(api: ApiClient, authenticator: SoftAuthenticator, name: str = "Laptop", **answer):
    options = api.post("/2fa/setup/passkey/begin", {"name": name}).json()["publicKey"]
    credential = authenticator.create(options, **answer)
    return api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(credential), "name": name})


def begin_second_step(api: ApiClient) -> dict:
    response = api.post("/2fa/verify/passkey/begin")
    assert response.status_code == 200, response.content
    return response.json()["publicKey"]


def complete_second_step(api: ApiClient, credential: dict, **fields):
    return api.post("/2fa/verify/passkey/complete", {"credential": json.dumps(credential), **fields})


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def key():
    return SoftAuthenticator()


@pytest.fixture
def enrolled(alice, key):
    """Alice with one passkey (enrolled through the API, as a first method), signed out again."""
    api = ApiClient()
    api.login("alice", PASSWORD)
    response = enrol(api, key)
    assert response.status_code == 200, response.content
    return PasskeyDevice.objects.get(user=alice)


@pytest.fixture
def pending(enrolled):
    """A fresh client whose password step is done and whose passkey step is pending."""
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    return api


def nothing_changed(device: PasskeyDevice, api: ApiClient) -> None:
    fresh = PasskeyDevice.objects.get(pk=device.pk)
    assert (fresh.sign_count, fresh.last_used_at, fresh.last_challenge) == (
        device.sign_count,
        device.last_used_at,
        device.last_challenge,
    )
    assert api.get("/session").json()["verified"] is False


# Enrolment


def test_enrolment_stores_the_verified_credential_and_gives_backup_codes(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    response = enrol(api, key, "Blue key")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["session"]["verified"] is True
    assert len(body["backup_codes"]) == 10
    device = PasskeyDevice.objects.get(user=alice)
    assert body["device"]["id"] == f"passkey-{device.pk}"
    assert bytes(device.credential_id) == key.credential_id
    assert bytes(device.user_handle) == key.user_handle and len(key.user_handle) == 32
    assert device.name == "Blue key"
    assert device.transports == ["usb", "nfc"]
    assert device.aaguid == "cb69481e-8ff7-4039-93ec-0a2729a154a8"
    assert device.authenticator_model == "YubiKey 5 Series"
    assert device.created_at is not None and device.sign_count == 0
    assert SecurityEvent.objects.filter(user=alice, kind=SecurityEvent.Kind.METHOD_ADDED).exists()


def test_packed_self_attestation_is_verified(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    assert enrol(api, key, fmt="packed").status_code == 200
    assert PasskeyDevice.objects.filter(user=alice).count() == 1


def test_a_forged_attestation_signature_is_refused(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    # The self attestation signed by another key than the credential's.
    error_of(enrol(api, key, fmt="packed", statement_key=SoftAuthenticator().key), 400, "invalid_response")
    assert not PasskeyDevice.objects.exists()


def test_a_refused_enrolment_answer_gets_one_message_whatever_the_reason_and_names_the_field(alice, key):
    from twofactor.methods.passkey.ceremony import REFUSED

    api = ApiClient()
    api.login("alice", PASSWORD)
    forged = error_of(enrol(api, key, fmt="packed", statement_key=SoftAuthenticator().key), 400, "invalid_response")
    elsewhere = error_of(enrol(api, key, origin="https://evil.example"), 400, "invalid_response")
    for error in (forged, elsewhere):
        assert error["message"] == str(REFUSED)
        assert error["fields"] == {"credential": "invalid"}


def test_a_user_holds_several_passkeys_and_the_second_excludes_the_first(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    assert enrol(api, key, "Laptop").status_code == 200
    options = api.post("/2fa/setup/passkey/begin", {"name": "Phone"}).json()["publicKey"]
    assert [entry["id"] for entry in options["excludeCredentials"]] == [b64(key.credential_id)]
    phone = SoftAuthenticator()
    assert enrol(api, phone, "Phone").status_code == 200
    names = list(PasskeyDevice.objects.filter(user=alice).order_by("pk").values_list("name", flat=True))
    assert names == ["Laptop", "Phone"]
    devices = api.get("/2fa/devices").json()["devices"]
    assert sorted(d["name"] for d in devices if d["method"] == "passkey") == ["Laptop", "Phone"]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"origin": "https://evil.example"}, "invalid_response"),
        ({"rp_id": "evil.example"}, "invalid_response"),
        ({"user_verified": False}, None),  # accepted: user verification is only preferred by default
    ],
    ids=["wrong origin", "wrong RP id", "no user verification"],
)
def test_enrolment_checks_origin_and_rp_id(alice, key, answer, expected):
    api = ApiClient()
    api.login("alice", PASSWORD)
    response = enrol(api, key, **answer)
    if expected is None:
        assert response.status_code == 200
        return
    error_of(response, 400, expected)
    assert not PasskeyDevice.objects.exists()


def test_enrolment_requires_user_verification_when_the_setting_asks(alice, key, settings):
    settings.TWOFACTOR_WEBAUTHN_USER_VERIFICATION = "required"
    api = ApiClient()
    api.login("alice", PASSWORD)
    error_of(enrol(api, key, user_verified=False), 400, "invalid_response")
    assert not PasskeyDevice.objects.exists()


def test_an_enrolment_challenge_is_good_once(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {}).json()["publicKey"]
    credential = json.dumps(key.create(options))
    assert api.post("/2fa/setup/passkey/complete", {"credential": credential}).status_code == 200
    error_of(api.post("/2fa/setup/passkey/complete", {"credential": credential}), 409, "no_pending_setup")
    # A new begin has a new challenge: the old answer does not match it.
    api.post("/2fa/setup/passkey/begin", {})
    error_of(api.post("/2fa/setup/passkey/complete", {"credential": credential}), 400, "invalid_response")
    assert PasskeyDevice.objects.count() == 1


def test_an_enrolment_challenge_answered_wrongly_is_spent(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {}).json()["publicKey"]
    wrong = key.create(options, origin="https://evil.example")
    error_of(api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(wrong)}), 400, "invalid_response")
    right = key.create(options)
    error_of(api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(right)}), 409, "no_pending_setup")
    assert not PasskeyDevice.objects.exists()


def test_an_expired_enrolment_challenge_is_refused(alice, key, settings):
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 0
    api = ApiClient()
    api.login("alice", PASSWORD)
    time.sleep(0.01)
    error_of(enrol(api, key), 400, "challenge_expired")
    assert not PasskeyDevice.objects.exists()


def test_the_same_credential_cannot_be_registered_twice(alice, key):
    api = ApiClient()
    api.login("alice", PASSWORD)
    assert enrol(api, key).status_code == 200
    error_of(enrol(api, key), 409, "conflict")
    assert PasskeyDevice.objects.count() == 1


@pytest.mark.parametrize(
    "credential",
    [
        "",
        "not json",
        "[]",
        '{"rawId": 5}',
        '{"rawId": "%%%"}',
        '{"rawId": "AAAA"}',
        '{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {"clientDataJSON": "e30",'
        ' "attestationObject": "oA"}}',
        "{" * 5000,
    ],
    ids=["empty", "text", "list", "number id", "bad base64", "no response", "empty cbor", "deep"],
)
def test_malformed_enrolment_input_is_a_clear_400(alice, credential):
    api = ApiClient()
    api.login("alice", PASSWORD)
    api.post("/2fa/setup/passkey/begin", {})
    response = api.post("/2fa/setup/passkey/complete", {"credential": credential})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"validation_error", "invalid_response"}
    assert not PasskeyDevice.objects.exists()


# The second step


def test_a_passkey_completes_the_pending_sign_in(enrolled, pending, key):
    options = begin_second_step(pending)
    assert [entry["id"] for entry in options["allowCredentials"]] == [b64(key.credential_id)]
    response = complete_second_step(pending, key.get(options))
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is True
    device = PasskeyDevice.objects.get(pk=enrolled.pk)
    assert device.sign_count == 1 and device.last_used_at is not None
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGNED_IN, data__method="passkey").exists()


@pytest.mark.parametrize(
    ("answer", "status"),
    [({"origin": "https://evil.example"}, 400), ({"rp_id": "evil.example"}, 400)],
    ids=["wrong origin", "wrong RP id"],
)
def test_the_second_step_checks_origin_and_rp_id(enrolled, pending, key, answer, status):
    response = complete_second_step(pending, key.get(begin_second_step(pending), **answer))
    error_of(response, status, "invalid_code")
    nothing_changed(enrolled, pending)


def test_a_second_step_challenge_is_good_once(enrolled, pending, key):
    options = begin_second_step(pending)
    assertion = key.get(options)
    wrong = key.get(options, origin="https://evil.example")
    error_of(complete_second_step(pending, wrong), 400, "invalid_code")
    # The challenge went with the first answer: the good one, sent after it, is refused too.
    error_of(complete_second_step(pending, assertion), 400, "challenge_expired")
    nothing_changed(enrolled, pending)


def test_an_assertion_replayed_in_another_session_is_refused(enrolled, pending, key):
    assertion = key.get(begin_second_step(pending))
    assert complete_second_step(pending, assertion).status_code == 200
    other = ApiClient()
    other.login("alice", PASSWORD)
    begin_second_step(other)
    device = PasskeyDevice.objects.get(pk=enrolled.pk)
    error_of(complete_second_step(other, assertion), 400, "invalid_code")
    nothing_changed(device, other)


def test_an_expired_second_step_challenge_is_refused(enrolled, pending, key, settings):
    options = begin_second_step(pending)
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 0
    time.sleep(0.01)
    error_of(complete_second_step(pending, key.get(options)), 400, "challenge_expired")
    nothing_changed(enrolled, pending)


def test_a_counter_going_backwards_is_refused_and_logged_as_a_cloned_key(enrolled, pending, key, caplog):
    PasskeyDevice.objects.filter(pk=enrolled.pk).update(sign_count=10)
    enrolled.refresh_from_db()
    with caplog.at_level(logging.WARNING, logger="twofactor.passkey"):
        response = complete_second_step(pending, key.get(begin_second_step(pending), sign_count=5))
    error_of(response, 400, "invalid_code")
    nothing_changed(enrolled, pending)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CODE_FAILED)
    assert event.data["method"] == "passkey" and event.data["reason"] == "sign_count_not_increasing"
    assert "may have been cloned" in caplog.text
    # The security record says it in words: a copy of the key was refused.
    assert activity.describe(event).startswith("A passkey was refused: its signature counter went backwards")


def test_the_second_step_answers_409_when_nothing_is_pending(enrolled, pending, key):
    assert complete_second_step(pending, key.get(begin_second_step(pending))).status_code == 200
    error_of(complete_second_step(pending, key.get(begin_second_step(pending))), 409, "conflict")


def test_another_users_passkey_cannot_complete_the_sign_in(enrolled, pending, key):
    bob, bobs_key = make_user("bob"), SoftAuthenticator()
    api = ApiClient()
    api.login("bob", PASSWORD)
    assert enrol(api, bobs_key).status_code == 200
    response = complete_second_step(pending, bobs_key.get(begin_second_step(pending)))
    assert error_of(response, 400, "invalid_code")["fields"] == {"credential": "unknown"}
    nothing_changed(enrolled, pending)
    assert PasskeyDevice.objects.get(user=bob).sign_count == 0


@pytest.mark.parametrize("credential", ["", "nonsense", '{"rawId": "AAAA", "response": {}}', "{" * 5000])
def test_malformed_assertions_are_a_clear_400(enrolled, pending, credential):
    begin_second_step(pending)
    response = pending.post("/2fa/verify/passkey/complete", {"credential": credential})
    assert response.status_code == 400, response.content
    nothing_changed(enrolled, pending)


def test_the_verify_page_offers_the_passkey_and_takes_its_answer(enrolled, key):
    client = Client()
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    page = client.get("/2fa/verify/")
    assert b"Use your passkey" in page.content and b"twofactor/passkey.js" in page.content
    assert b'name="code"' not in page.content  # no typed-code field for this method
    options = client.post("/api/v1/2fa/verify/passkey/begin", "{}", content_type="application/json").json()
    response = client.post(
        "/2fa/verify/passkey/", {"credential": json.dumps(key.get(options["publicKey"])), "next": "/2fa/"}
    )
    assert response.status_code == 302 and response["Location"] == "/2fa/"
    assert client.get("/").status_code == 200
    # Nothing is pending any more: another answer is not checked, just sent on.
    again = client.post("/2fa/verify/passkey/", {"credential": json.dumps(key.get(options["publicKey"]))})
    assert again.status_code == 302
    assert PasskeyDevice.objects.get(pk=enrolled.pk).sign_count == 1


# Without a password


def sign_in_without_password(api: ApiClient, key: SoftAuthenticator, **answer):
    options = api.post("/2fa/passkey/sign-in/begin").json()["publicKey"]
    assert options["userVerification"] == "required" and not options.get("allowCredentials")
    return api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(key.get(options, **answer))})


def test_a_passkey_alone_signs_in_fully_verified(enrolled, key):
    api = ApiClient()
    response = sign_in_without_password(api, key)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["authenticated"] and body["verified"] and body["user"]["username"] == "alice"
    assert api.get("/2fa/devices").status_code == 200
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.SIGNED_IN).latest("pk")
    assert event.data["passwordless"] is True
    # No password was given: removing a method still asks for re-authentication.
    device_id = f"passkey-{enrolled.pk}"
    error_of(api.delete(f"/2fa/devices/{device_id}", {}), 403, "reauthentication_required")


@pytest.mark.parametrize(
    "answer",
    [{"user_verified": False}, {"origin": "https://evil.example"}, {"rp_id": "evil.example"}],
    ids=["no user verification", "wrong origin", "wrong RP id"],
)
def test_sign_in_without_password_is_refused_with_one_generic_answer(enrolled, key, answer):
    api = ApiClient()
    error_of(sign_in_without_password(api, key, **answer), 401, "invalid_credentials")
    assert api.get("/session").json()["authenticated"] is False
    assert PasskeyDevice.objects.get(pk=enrolled.pk).sign_count == 0
    # The owner's security record names the method that was refused.
    refused = SecurityEvent.objects.get(user=enrolled.user, kind=SecurityEvent.Kind.CODE_FAILED)
    assert refused.data["method"] == "passkey"


def test_an_unknown_passkey_cannot_sign_in(enrolled):
    api = ApiClient()
    error_of(sign_in_without_password(api, SoftAuthenticator()), 401, "invalid_credentials")
    assert api.get("/session").json()["authenticated"] is False


def test_a_passwordless_challenge_is_good_once(enrolled, key):
    api = ApiClient()
    options = api.post("/2fa/passkey/sign-in/begin").json()["publicKey"]
    credential = json.dumps(key.get(options))
    assert api.post("/2fa/passkey/sign-in/complete", {"credential": credential}).status_code == 200
    other = ApiClient()
    error_of(other.post("/2fa/passkey/sign-in/complete", {"credential": credential}), 400, "challenge_expired")
    other.post("/2fa/passkey/sign-in/begin")  # a fresh challenge does not revive the answered one
    error_of(other.post("/2fa/passkey/sign-in/complete", {"credential": credential}), 400, "challenge_expired")
    assert other.get("/session").json()["authenticated"] is False


def test_a_passwordless_challenge_is_signed_by_this_site_for_this_purpose_and_expires(enrolled, key, settings):
    api = ApiClient()
    options = api.post("/2fa/passkey/sign-in/begin").json()["publicKey"]
    forged = dict(
        options, challenge=options["challenge"][:-4] + ("AAAA" if options["challenge"][-4:] != "AAAA" else "BBBB")
    )
    error_of(
        api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(key.get(forged))}), 400, "challenge_expired"
    )
    made_up = dict(options, challenge=b64(secrets.token_bytes(56)))
    error_of(
        api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(key.get(made_up))}),
        400,
        "challenge_expired",
    )
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 0
    late = api.post("/2fa/passkey/sign-in/begin").json()["publicKey"]
    time.sleep(1.1)
    error_of(
        api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(key.get(late))}), 400, "challenge_expired"
    )
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 300
    assert sign_in_without_password(ApiClient(), key).status_code == 200


def test_strangers_naming_a_passkey_never_lock_it_and_spend_their_own_address_budget(enrolled, key, settings):
    settings.TWOFACTOR_WEBAUTHN_ASSERTIONS_PER_IP = 5
    stranger = SoftAuthenticator()
    stranger.credential_id = key.credential_id  # the owner's id, the stranger's own signing key
    answers = [sign_in_without_password(ApiClient(REMOTE_ADDR="203.0.113.5"), stranger) for _ in range(7)]
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 2
    assert PasskeyDevice.objects.get(pk=enrolled.pk).throttling_failure_count == 0
    owner = ApiClient(REMOTE_ADDR="198.51.100.7")
    assert sign_in_without_password(owner, key).status_code == 200


def test_an_inactive_user_cannot_sign_in_with_a_passkey(enrolled, key, alice):
    alice.is_active = False
    alice.save()
    error_of(sign_in_without_password(ApiClient(), key), 401, "invalid_credentials")


def test_a_setting_turns_sign_in_without_password_off(enrolled, key, settings):
    settings.TWOFACTOR_WEBAUTHN_PASSWORDLESS = False
    api = ApiClient()
    error_of(api.post("/2fa/passkey/sign-in/begin"), 404, "not_found")
    error_of(api.post("/2fa/passkey/sign-in/complete", {"credential": "{}"}), 404, "not_found")
    assert b"Sign in with a passkey" not in Client().get("/accounts/login/").content


def test_the_login_page_offers_a_passkey(db):
    page = Client().get("/accounts/login/")
    assert b"Sign in with a passkey" in page.content and b"twofactor/passkey.js" in page.content


def test_the_sign_in_page_form_signs_in(enrolled, key):
    client = Client()
    options = client.post("/api/v1/2fa/passkey/sign-in/begin", "{}", content_type="application/json").json()
    response = client.post(
        "/2fa/passkey/sign-in/", {"credential": json.dumps(key.get(options["publicKey"])), "next": "/2fa/"}
    )
    assert response.status_code == 302 and response["Location"] == "/2fa/"
    assert client.get("/").status_code == 200
    failed = Client().post("/2fa/passkey/sign-in/", {"credential": "junk"})
    assert failed.status_code == 400 and b"Try again" in failed.content


# Managing passkeys


def test_rename_and_remove_after_reauthentication(enrolled, key, alice):
    api = ApiClient()
    sign_in_without_password(api, key)
    client = api.django
    # The set-up page adds methods, so a sign-in without a password re-authenticates first (a passkey is not
    # a typed code: a backup code stands in).
    page = client.get("/2fa/setup/passkey/")
    assert page.status_code == 302 and page.url.startswith("/2fa/reauthenticate/")
    assert api.post("/reauthenticate", {"password": PASSWORD, "code": "x"}).status_code == 400
    from twofactor.methods.backup.codes import replace_backup_codes

    backup = replace_backup_codes(alice)
    assert api.post("/reauthenticate", {"password": PASSWORD, "code": backup[0], "method": "backup"}).status_code == 200
    page = client.get("/2fa/setup/passkey/")
    assert page.status_code == 200 and b"Laptop" in page.content
    renamed = client.post(
        f"/2fa/passkeys/{enrolled.pk}/rename/", {"name": "Work laptop", "csrfmiddlewaretoken": api.csrf_token}
    )
    assert renamed.status_code == 302
    assert PasskeyDevice.objects.get(pk=enrolled.pk).name == "Work laptop"
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.METHOD_RENAMED)
    assert event.data == {"method": "passkey", "old_name": "Laptop", "name": "Work laptop"}
    # Someone else's passkey cannot be renamed.
    other = PasskeyDevice.objects.create(
        user=make_user("bob"), name="Bob's", confirmed=True, credential_id=b"b" * 16, public_key=b"k", user_handle=b"h"
    )
    client.post(f"/2fa/passkeys/{other.pk}/rename/", {"name": "Mine", "csrfmiddlewaretoken": api.csrf_token})
    assert PasskeyDevice.objects.get(pk=other.pk).name == "Bob's"
    # A second passkey, then remove the first after proving the password and a code again.
    assert enrol(api, SoftAuthenticator(), "Phone").status_code == 200
    assert api.delete(f"/2fa/devices/passkey-{enrolled.pk}", {}).status_code == 200
    assert list(PasskeyDevice.objects.filter(user=alice).values_list("name", flat=True)) == ["Phone"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.METHOD_REMOVED, data__name="Work laptop").exists()


def test_staff_reset_removes_every_passkey(enrolled, alice):
    from twofactor import flows

    PasskeyDevice.objects.create(
        user=alice, name="Second", confirmed=True, credential_id=b"x" * 16, public_key=b"k", user_handle=b"h"
    )
    assert flows.reset_user(alice) >= 2
    assert not PasskeyDevice.objects.filter(user=alice).exists()


def test_the_admin_lists_passkeys_with_their_model_and_never_the_key(enrolled, key, alice):
    from base64 import b64encode

    from .test_admin import staff_client

    _staff, desk = staff_client("helper", "accounts.view_user", "twofactor.reset_twofactor")
    page = desk.get(f"/admin/accounts/user/{alice.pk}/change/").content.decode()
    assert "Laptop" in page and "YubiKey 5 Series" in page and "Reset two-factor" in page
    secrets_ = [
        b64(bytes(enrolled.public_key)),
        b64encode(bytes(enrolled.public_key)).decode(),
        bytes(enrolled.public_key).hex(),
    ]
    _root, root = staff_client("root", is_superuser=True)
    for url in (
        page,
        root.get("/admin/twofactor/passkeydevice/").content.decode(),
        root.get(f"/admin/twofactor/passkeydevice/{enrolled.pk}/change/").content.decode(),
    ):
        assert "Laptop" in url
        assert not any(secret in url for secret in secrets_)
    # The staff reset from the user's page removes the passkeys too.
    response = desk.post(f"/admin/accounts/user/{alice.pk}/two-factor-reset/", {"confirmed": "yes", "note": "lost"})
    assert response.status_code == 302
    assert not PasskeyDevice.objects.filter(user=alice).exists()


# The enrolment rule (flows.setup.require_enrolment_allowed) holds for passkeys too


def test_a_session_that_did_not_pass_the_second_step_cannot_begin_a_passkey_enrolment(alice, key, settings):
    add_totp(alice)
    settings.TWOFACTOR_ALLOWED_PATHS = ["/api/v1/2fa/setup/"]  # past the middleware: the flow itself refuses
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    error_of(api.post("/2fa/setup/passkey/begin", {"name": "Attacker's key"}), 403, "second_factor_required")
    assert not PasskeyDevice.objects.filter(user=alice).exists()


def test_adding_a_passkey_to_an_account_with_a_method_needs_recent_reauthentication(alice, key, settings):
    _device, totp = add_totp(alice)
    settings.TWOFACTOR_REAUTH_SECONDS = 1
    api = ApiClient()
    api.login("alice", PASSWORD)
    api.verify(totp.now())
    time.sleep(1.1)
    error_of(api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}), 403, "reauthentication_required")
    page = Client()
    page.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    page.post("/2fa/verify/", {"code": totp.at(time.time() + 30)})
    time.sleep(1.1)
    response = page.get("/2fa/setup/passkey/")
    assert response.status_code == 302 and response.url.startswith("/2fa/reauthenticate/")
    settings.TWOFACTOR_REAUTH_SECONDS = 300
    assert api.post("/reauthenticate", {"password": PASSWORD, "code": totp.at(time.time() + 60)}).status_code == 200
    assert enrol(api, key).status_code == 200
    assert PasskeyDevice.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize(
    ("transports", "label"),
    [(["usb"], "Security key"), (["nfc", "usb"], "Security key"), (["internal"], "Passkey on this device")]
    + [(["hybrid"], "Passkey on a phone"), ([], "Passkey")],
)
def test_a_session_waiting_for_its_second_step_sees_passkeys_by_kind_not_by_name(alice, transports, label):
    add_totp(alice)
    PasskeyDevice.objects.create(
        user=alice,
        name="Alice Smith's YubiKey 5C (work)",
        confirmed=True,
        credential_id=b"id",
        public_key=b"k",
        user_handle=b"h",
        transports=transports,
    )
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    page = client.get("/2fa/verify/").content.decode()
    assert "Alice Smith" not in page and f">{label}</button>" in page


def test_renaming_a_passkey_needs_a_fresh_password_and_code(enrolled, alice, client):
    """A name is what the owner reads before removing a key: a session left open must not relabel one "old"."""
    from tests.test_manage import make_stale

    _device, totp = add_totp(alice)
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert client.post("/2fa/verify/", {"code": totp.now(), "method": "totp"}).status_code == 302
    make_stale(client)
    renamed = client.post(f"/2fa/passkeys/{enrolled.pk}/rename/", {"name": "OLD key - safe to remove"})
    assert renamed.status_code == 302 and renamed.url == "/2fa/reauthenticate/?next=%2F2fa%2Fsetup%2Fpasskey%2F"
    assert PasskeyDevice.objects.get(pk=enrolled.pk).name == "Laptop"
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.METHOD_RENAMED).exists()


# A configured relying party (production): TWOFACTOR_WEBAUTHN_RP_ID and _ORIGINS are what is checked, never the
# request's Host. The test client's requests come to http://testserver; the site's passkeys belong to
# https://login.example.com. A response signed for the request's origin (a page served under another host name,
# say a proxy's or an attacker's domain pointed at this server) is refused; one signed for the configured origin
# and relying party is accepted.

CONFIGURED_ORIGIN, CONFIGURED_RP_ID = "https://login.example.com", "example.com"
REQUEST_ORIGIN = "http://testserver"


@pytest.fixture
def configured_rp(settings):
    settings.DEBUG = False
    settings.TWOFACTOR_TRUST_HOST_HEADER = False
    settings.TWOFACTOR_WEBAUTHN_RP_ID = CONFIGURED_RP_ID
    settings.TWOFACTOR_WEBAUTHN_ORIGINS = [CONFIGURED_ORIGIN]


@pytest.fixture
def enrolled_configured(alice, key, configured_rp):
    """Alice's passkey, stored directly (so these tests do not depend on the enrolment's origin check)."""
    return key.registered_for(alice)


def test_configured_origin_enrolment_takes_the_configured_origin_not_the_requests(alice, key, configured_rp):
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {}).json()["publicKey"]
    assert options["rp"]["id"] == CONFIGURED_RP_ID
    from_request = key.create(options, origin=REQUEST_ORIGIN, rp_id=CONFIGURED_RP_ID)
    error_of(api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(from_request)}), 400, "invalid_response")
    assert not PasskeyDevice.objects.exists()
    assert enrol(api, key, origin=CONFIGURED_ORIGIN, rp_id=CONFIGURED_RP_ID).status_code == 200
    assert PasskeyDevice.objects.filter(user=alice).count() == 1


def test_configured_origin_enrolment_signed_for_the_requests_host_as_rp_id_is_refused(alice, key, configured_rp):
    api = ApiClient()
    api.login("alice", PASSWORD)
    error_of(enrol(api, key, origin=CONFIGURED_ORIGIN, rp_id="testserver"), 400, "invalid_response")
    assert not PasskeyDevice.objects.exists()


def test_configured_origin_second_step_takes_the_configured_origin_not_the_requests(enrolled_configured, key):
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    options = begin_second_step(api)
    assert options["rpId"] == CONFIGURED_RP_ID
    error_of(complete_second_step(api, key.get(options, origin=REQUEST_ORIGIN)), 400, "invalid_code")
    nothing_changed(enrolled_configured, api)
    options = begin_second_step(api)
    response = complete_second_step(api, key.get(options, origin=CONFIGURED_ORIGIN, rp_id=CONFIGURED_RP_ID))
    assert response.status_code == 200 and response.json()["verified"] is True


def test_configured_origin_sign_in_without_password_takes_the_configured_origin_not_the_requests(
    enrolled_configured, key
):
    stranger = ApiClient()
    error_of(sign_in_without_password(stranger, key, origin=REQUEST_ORIGIN), 401, "invalid_credentials")
    assert stranger.get("/session").json()["authenticated"] is False
    owner = ApiClient()
    response = sign_in_without_password(owner, key, origin=CONFIGURED_ORIGIN, rp_id=CONFIGURED_RP_ID)
    assert response.status_code == 200 and response.json()["verified"] is True


# A challenge is good once, and each ceremony has its own guard for it (tested here at that layer):
#   second step        ceremony.take_challenge pops the challenge from the session
#                      (and test_a_second_step_challenge_is_good_once over the API)
#   enrolment          setup.check_pending_passkey clears the pending set-up record, which holds the challenge,
#                      before checking anything
#   without password   ceremony.take_signed_challenge spends the challenge's nonce in the rate-limit store (shared by
#                      every server); check_assertion's last_challenge only stops the replay of the last answer it
#                      accepted, so a challenge answered wrongly first is the case that isolates the nonce


def request_with_session(rf, user=None):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.post("/")  # http://testserver: the development relying party, what SoftAuthenticator signs for
    request.session = SessionStore()
    request.user = user or AnonymousUser()
    return request


def test_a_session_challenge_is_taken_once_and_only_for_its_purpose(rf):
    from twofactor.errors import TwoFactorError
    from twofactor.methods.passkey import ceremony

    request = request_with_session(rf)
    issued = ceremony.issue_challenge(request, "second_step")
    other = ceremony.issue_challenge(request, "another purpose")
    assert ceremony.take_challenge(request, "second_step") == issued
    with pytest.raises(TwoFactorError) as refused:
        ceremony.take_challenge(request, "second_step")
    assert refused.value.code == "challenge_expired"
    assert ceremony.take_challenge(request, "another purpose") == other


def test_a_signed_challenge_is_taken_once(rf, db):
    from twofactor.errors import TwoFactorError
    from twofactor.methods.passkey import ceremony

    request = request_with_session(rf)
    challenge = ceremony.issue_signed_challenge(request, "passwordless")
    answer = {"response": {"clientDataJSON": b64(json.dumps({"challenge": b64(challenge)}).encode())}}
    assert ceremony.take_signed_challenge(request, "passwordless", answer) == challenge
    with pytest.raises(TwoFactorError) as refused:
        ceremony.take_signed_challenge(request_with_session(rf), "passwordless", answer)
    assert refused.value.code == "challenge_expired"


@pytest.mark.parametrize("outcome", ["accepted", "wrong origin", "malformed", "expired"])
def test_checking_an_enrolment_answer_spends_the_pending_enrolment_whatever_the_outcome(rf, alice, outcome):
    from twofactor.errors import TwoFactorError
    from twofactor.flows.setup import PENDING_KEY
    from twofactor.methods.passkey.setup import check_pending_passkey

    challenge, handle = secrets.token_bytes(32), secrets.token_bytes(32)
    record = {
        "method": "passkey",
        "started_at": time.time() - (3600 if outcome == "expired" else 0),
        "failures": 0,
        "challenge": b64(challenge),
        "user_handle": b64(handle),
        "name": "Laptop",
    }
    request = request_with_session(rf, alice)
    request.session[PENDING_KEY] = record
    options = {"challenge": b64(challenge), "rp": {"id": "testserver"}, "user": {"id": b64(handle)}}
    origin = "https://evil.example" if outcome == "wrong origin" else "http://testserver"
    answer = "{not json" if outcome == "malformed" else json.dumps(SoftAuthenticator().create(options, origin=origin))
    if outcome == "accepted":
        assert check_pending_passkey(request, record, answer).user == alice
    else:
        with pytest.raises(TwoFactorError):
            check_pending_passkey(request, record, answer)
    assert PENDING_KEY not in request.session


def test_a_passwordless_challenge_answered_wrongly_is_spent(enrolled, key):
    api = ApiClient()
    options = api.post("/2fa/passkey/sign-in/begin").json()["publicKey"]
    wrong = key.get(options, origin="https://evil.example")
    error_of(api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(wrong)}), 401, "invalid_credentials")
    right = key.get(options)
    error_of(api.post("/2fa/passkey/sign-in/complete", {"credential": json.dumps(right)}), 400, "challenge_expired")
    assert api.get("/session").json()["authenticated"] is False


# The check itself (ceremony.check_assertion), whatever device the caller looked up: each of its refusals holds
# on its own, and the security record says why when the reason matters to the owner.


def _bound(rf, options_challenge: bytes, credential: dict) -> str:
    from twofactor.methods.passkey import ceremony

    return ceremony.bind(request_with_session(rf), credential, options_challenge, require_user_verification=False)


def _answer(key: SoftAuthenticator, **answer) -> tuple[bytes, dict]:
    challenge = secrets.token_bytes(32)
    return challenge, key.get({"challenge": b64(challenge), "rpId": "testserver"}, **answer)


def test_an_answer_from_another_credential_is_refused_by_the_check_itself(rf, enrolled, key):
    from twofactor.methods.passkey import ceremony

    bob = make_user("bob")
    bobs_key = SoftAuthenticator()
    bobs_device = bobs_key.registered_for(bob)
    challenge, credential = _answer(key)  # alice's key, a valid signature over the challenge
    assert ceremony.check_assertion(bobs_device, _bound(rf, challenge, credential)) is False
    assert ceremony.check_assertion(enrolled, _bound(rf, challenge, credential)) is True


def test_a_passkey_without_a_counter_cannot_answer_twice_and_the_record_says_so(rf, alice):
    """Synced passkeys keep their counter at 0, so only the last answer's challenge stops a replay (two
    submissions of one answer racing past the session's challenge)."""
    from twofactor import flows
    from twofactor.errors import TwoFactorError

    synced = SoftAuthenticator(counts=False)
    device = synced.registered_for(alice)
    challenge, credential = _answer(synced)
    request = request_with_session(rf, alice)
    assert flows.check_device_code(request, alice, device, _bound(rf, challenge, credential)) is not None
    device.refresh_from_db()
    with pytest.raises(TwoFactorError):
        flows.check_device_code(request, alice, device, _bound(rf, challenge, credential))
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CODE_FAILED)
    assert event.data["reason"] == "replayed"
    assert activity.describe(event).startswith("A passkey answer that had already been used was sent again")
    # A new answer of the same passkey (counter still 0) is fine.
    challenge, credential = _answer(synced)
    assert flows.check_device_code(request, alice, device, _bound(rf, challenge, credential)) is not None


@pytest.mark.parametrize("stored, answered", [(7, 7), (7, 0)])
def test_a_counter_that_stays_put_or_falls_back_to_zero_is_refused_as_a_copy(rf, enrolled, key, stored, answered):
    from twofactor.methods.passkey import ceremony

    enrolled.sign_count = stored
    challenge, credential = _answer(key, sign_count=answered)
    assert ceremony.check_assertion(enrolled, _bound(rf, challenge, credential)) is False
    assert enrolled.rejection_reason == "sign_count_not_increasing"
    challenge, credential = _answer(key, sign_count=stored + 1)
    assert ceremony.check_assertion(enrolled, _bound(rf, challenge, credential)) is True


def test_a_refusal_for_a_bad_origin_is_recorded_as_a_plain_failure(enrolled, pending, key):
    """Neither a copy nor a replay: the record does not frighten the owner with a reason that does not apply."""
    from twofactor.methods.passkey.method import PasskeyMethod

    wrong = key.get(begin_second_step(pending), origin="https://evil.example")
    error_of(complete_second_step(pending, wrong), 400, "invalid_code")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CODE_FAILED)
    assert "reason" not in event.data
    assert activity.describe(event) not in {str(sentence) for sentence in PasskeyMethod.rejection_reasons.values()}


def test_a_signed_challenge_altered_or_issued_for_another_purpose_is_refused(rf, db):
    from twofactor.errors import TwoFactorError
    from twofactor.methods.passkey import ceremony

    def answer(challenge: bytes) -> dict:
        return {"response": {"clientDataJSON": b64(json.dumps({"challenge": b64(challenge)}).encode())}}

    request = request_with_session(rf)
    issued = ceremony.issue_signed_challenge(request, "passwordless")
    nonce, stamp, mac = issued[:16], issued[16:24], issued[24:]
    later = (int.from_bytes(stamp, "big") + 200).to_bytes(8, "big")  # a stamp moved on, to outlive its lifetime
    for forged in (nonce + later + mac, secrets.token_bytes(16) + stamp + mac):
        with pytest.raises(TwoFactorError):
            ceremony.take_signed_challenge(request, "passwordless", answer(forged))
    other_purpose = ceremony.issue_signed_challenge(request, "second_step")
    with pytest.raises(TwoFactorError):
        ceremony.take_signed_challenge(request, "passwordless", answer(other_purpose))
    assert ceremony.take_signed_challenge(request, "passwordless", answer(issued)) == issued


def test_a_signed_challenge_stays_spent_for_its_whole_lifetime(rf, db, settings, monkeypatch):
    from twofactor.errors import TwoFactorError
    from twofactor.methods.passkey import ceremony

    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 300
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    request = request_with_session(rf)
    issued = ceremony.issue_signed_challenge(request, "passwordless")
    answer = {"response": {"clientDataJSON": b64(json.dumps({"challenge": b64(issued)}).encode())}}
    assert ceremony.take_signed_challenge(request, "passwordless", answer) == issued
    clock[0] += 299  # still young enough to be answered, were it not spent
    with pytest.raises(TwoFactorError):
        ceremony.take_signed_challenge(request, "passwordless", answer)


@pytest.mark.parametrize("seconds", [60, 300])
def test_the_browser_waits_as_long_as_the_challenge_lives(enrolled, pending, settings, seconds):
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = seconds
    assert begin_second_step(pending)["timeout"] == seconds * 1000
    assert ApiClient().post("/2fa/passkey/sign-in/begin").json()["publicKey"]["timeout"] == seconds * 1000


def test_an_expired_challenge_is_told_in_the_users_language(enrolled, pending, key, settings):
    options = begin_second_step(pending)
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 0
    time.sleep(0.01)
    response = pending.post(
        "/2fa/verify/passkey/complete",
        {"credential": json.dumps(key.get(options))},
        headers={"accept-language": "fr"},
    )
    error_of(response, 400, "challenge_expired")
    message = response.json()["error"]["message"]
    assert "expiré" in message, message


@pytest.mark.parametrize("verification", ["preferred", "required"])
def test_the_browser_is_asked_for_a_discoverable_passkey_named_after_its_owner(alice, settings, verification):
    """What the browser shows and makes: the person's name, a passkey that can also sign in alone, the user
    verification the site asks for, no attestation unless configured, and a prompt that lasts as long as the
    challenge."""
    settings.TWOFACTOR_WEBAUTHN_USER_VERIFICATION = verification
    settings.TWOFACTOR_WEBAUTHN_CHALLENGE_SECONDS = 120
    alice.first_name, alice.last_name = "Alice", "Liddell"
    alice.save()
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}).json()["publicKey"]
    assert options["user"]["name"] == "alice" and options["user"]["displayName"] == "Alice Liddell"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == verification
    assert options["attestation"] == "none"
    assert options["timeout"] == 120_000
    settings.TWOFACTOR_WEBAUTHN_ATTESTATION = "direct"
    assert api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}).json()["publicKey"]["attestation"] == "direct"


def test_a_person_without_a_full_name_is_shown_by_username(alice):
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}).json()["publicKey"]
    assert options["user"]["displayName"] == "alice"


@pytest.mark.parametrize("transports", [5, "usb", {"usb": True}])
def test_transports_that_are_not_a_list_are_ignored(alice, key, transports):
    api = ApiClient()
    api.login("alice", PASSWORD)
    options = api.post("/2fa/setup/passkey/begin", {"name": "Laptop"}).json()["publicKey"]
    credential = key.create(options)
    credential["response"]["transports"] = transports
    response = api.post("/2fa/setup/passkey/complete", {"credential": json.dumps(credential), "name": "Laptop"})
    assert response.status_code == 200, response.content
    assert PasskeyDevice.objects.get(user=alice).transports == []


def _complete_in(language: str, api: ApiClient, credential: str):
    return api.post("/2fa/verify/passkey/complete", {"credential": credential}, headers={"accept-language": language})


@pytest.mark.parametrize(
    "credential",
    ["not json", '{"rawId": "AAAA", "response": "x"}', '{"rawId": "", "response": {}}', "[]"],
    ids=["text", "response not an object", "empty id", "list"],
)
def test_what_is_not_a_passkey_is_told_in_the_users_language_and_names_the_field(enrolled, pending, credential):
    begin_second_step(pending)
    french = error_of(_complete_in("fr", pending, credential), 400, "invalid_response")
    begin_second_step(pending)
    english = error_of(_complete_in("en", pending, credential), 400, "invalid_response")
    assert french["fields"] == english["fields"] == {"credential": "invalid"}
    assert french["message"] != english["message"]  # translated, not a message the catalogs do not know
    nothing_changed(enrolled, pending)


def test_the_passkey_reader_reads_at_most_twelve_thousand_characters_whoever_calls_it(key):
    """The forms stop longer answers first; the reader holds the limit on its own, for any other caller."""
    from twofactor.errors import TwoFactorError
    from twofactor.methods.passkey.ceremony import MAX_CREDENTIAL_CHARS, parse_credential

    answer = json.dumps(key.get({"challenge": b64(secrets.token_bytes(32)), "rpId": "testserver"}))
    longest = answer[:-1] + " " * (MAX_CREDENTIAL_CHARS - len(answer)) + "}"
    assert len(longest) == MAX_CREDENTIAL_CHARS
    assert parse_credential(longest)["rawId"] == b64(key.credential_id)
    with pytest.raises(TwoFactorError) as refused:
        parse_credential(longest[:-1] + " }")
    assert refused.value.code == "invalid_response"
    with pytest.raises(TwoFactorError):
        parse_credential(json.loads(answer))  # not text at all


def test_the_browser_is_told_how_each_passkey_can_be_reached(alice, settings):
    """allowCredentials carries each passkey's transports (so the browser offers the USB key, or the phone), only
    those WebAuthn knows, and none when the passkey said nothing."""
    usb = SoftAuthenticator().registered_for(alice)
    PasskeyDevice.objects.filter(pk=usb.pk).update(transports=["usb", "smoke-signal", "nfc"], name="USB")
    hybrid = SoftAuthenticator().registered_for(alice)
    PasskeyDevice.objects.filter(pk=hybrid.pk).update(transports=["hybrid"], name="Phone")
    silent = SoftAuthenticator().registered_for(alice)
    PasskeyDevice.objects.filter(pk=silent.pk).update(transports=[], name="Old key")
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    allowed = {item["id"]: item.get("transports") for item in begin_second_step(api)["allowCredentials"]}
    assert allowed == {
        b64(bytes(usb.credential_id)): ["usb", "nfc"],
        b64(bytes(hybrid.credential_id)): ["hybrid"],
        b64(bytes(silent.credential_id)): None,
    }


def test_a_user_model_without_full_names_is_shown_by_username(rf):
    """A project's own user model built on AbstractBaseUser has no get_full_name(): the username stands in."""
    from twofactor.methods.passkey import ceremony

    class BareUser:  # what such a model offers the ceremony: a username
        def get_username(self):
            return "bare"

    options = ceremony.registration_options(
        request_with_session(rf), BareUser(), user_handle=secrets.token_bytes(32), challenge=b"c" * 32, existing=[]
    )
    assert options["user"]["name"] == options["user"]["displayName"] == "bare"


# Signing in with a passkey (methods/passkey/signin.py): whose passkeys are offered, who is signed in, what the
# record keeps, and whose budget each attempt spends.


def test_the_second_step_offers_only_the_users_own_confirmed_passkeys(enrolled, pending, key):
    bob = make_user("bob")
    bobs = SoftAuthenticator().registered_for(bob)
    unconfirmed = SoftAuthenticator().registered_for(enrolled.user)
    PasskeyDevice.objects.filter(pk=unconfirmed.pk).update(confirmed=False)
    offered = [item["id"] for item in begin_second_step(pending)["allowCredentials"]]
    assert offered == [b64(key.credential_id)]
    assert b64(bytes(bobs.credential_id)) not in offered


def test_a_second_step_without_a_passkey_is_told_so_in_the_users_language(alice):
    add_totp(alice)
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    french = error_of(api.post("/2fa/verify/passkey/begin", headers={"accept-language": "fr"}), 400, "invalid_method")
    english = error_of(api.post("/2fa/verify/passkey/begin", headers={"accept-language": "en"}), 400, "invalid_method")
    assert french["message"] != english["message"]


def test_each_passkey_signs_in_its_own_owner_alone(enrolled, key):
    """Bob's passkey, registered first, signs in Bob; Alice's signs in Alice."""
    bob = make_user("bob")
    bobs_key = SoftAuthenticator()
    PasskeyDevice.objects.all().delete()
    bobs_key.registered_for(bob)
    key.registered_for(enrolled.user)
    for owner, authenticator in (("alice", key), ("bob", bobs_key)):
        api = ApiClient()
        assert sign_in_without_password(api, authenticator).status_code == 200
        assert api.get("/session").json()["user"]["username"] == owner


def test_an_unconfirmed_passkey_cannot_sign_in_alone(enrolled, key):
    PasskeyDevice.objects.filter(pk=enrolled.pk).update(confirmed=False)
    api = ApiClient()
    error_of(sign_in_without_password(api, key), 401, "invalid_credentials")
    assert api.get("/session").json()["authenticated"] is False


@pytest.mark.parametrize("known", [True, False], ids=["known passkey", "unknown passkey"])
def test_a_refused_passkey_is_told_in_the_users_language(enrolled, key, known):
    authenticator = SoftAuthenticator()
    if known:
        authenticator.credential_id = key.credential_id  # the owner's id, another signing key
    messages = []
    for language in ("fr", "en"):
        api = ApiClient(HTTP_ACCEPT_LANGUAGE=language)
        messages.append(error_of(sign_in_without_password(api, authenticator), 401, "invalid_credentials")["message"])
    assert messages[0] != messages[1]


def test_turned_off_sign_in_without_password_is_told_in_the_users_language(enrolled, key, settings):
    settings.TWOFACTOR_WEBAUTHN_PASSWORDLESS = False
    answer = json.dumps(key.get({"challenge": b64(secrets.token_bytes(32)), "rpId": "testserver"}))
    for path, body in (("/2fa/passkey/sign-in/begin", {}), ("/2fa/passkey/sign-in/complete", {"credential": answer})):
        french = error_of(ApiClient(HTTP_ACCEPT_LANGUAGE="fr").post(path, body), 404, "not_found")
        english = error_of(ApiClient(HTTP_ACCEPT_LANGUAGE="en").post(path, body), 404, "not_found")
        assert french["message"] != english["message"]


def test_each_client_address_has_its_own_budget_of_begins(enrolled, pending, settings):
    settings.TWOFACTOR_WEBAUTHN_BEGINS_PER_IP = 2
    stranger = ApiClient(REMOTE_ADDR="203.0.113.5")
    assert [stranger.post("/2fa/passkey/sign-in/begin").status_code for _ in range(3)] == [200, 200, 429]
    assert ApiClient(REMOTE_ADDR="198.51.100.7").post("/2fa/passkey/sign-in/begin").status_code == 200
    assert [pending.post("/2fa/verify/passkey/begin").status_code for _ in range(2)] == [200, 200]
    other = ApiClient(REMOTE_ADDR="198.51.100.9")
    other.login("alice", PASSWORD)
    assert [other.post("/2fa/verify/passkey/begin").status_code for _ in range(3)] == [200, 200, 429]


def test_the_owners_accepted_answers_give_their_budget_back(enrolled, key, settings):
    settings.TWOFACTOR_WEBAUTHN_ASSERTIONS_PER_IP = 2
    results = [sign_in_without_password(ApiClient(REMOTE_ADDR="198.51.100.7"), key).status_code for _ in range(4)]
    assert results == [200] * 4


def test_a_sign_in_without_password_is_recorded_with_its_browser_and_address(enrolled, key):
    api = ApiClient(REMOTE_ADDR="198.51.100.7", HTTP_USER_AGENT=LAPTOP)
    assert sign_in_without_password(api, key).status_code == 200
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SIGNED_IN)
    assert event.user == enrolled.user and event.ip == "198.51.100.7" and "Firefox" in event.user_agent
    assert event.data["method"] == "passkey" and event.data["passwordless"] is True
    assert event.data["remembered"] is False
    assert "without a password" in activity.describe(event)


def test_a_refused_answer_of_a_known_passkey_is_recorded_with_its_browser_and_address(enrolled, key):
    wrong = SoftAuthenticator()
    wrong.credential_id = key.credential_id
    api = ApiClient(REMOTE_ADDR="203.0.113.5", HTTP_USER_AGENT=LAPTOP)
    error_of(sign_in_without_password(api, wrong), 401, "invalid_credentials")
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CODE_FAILED)
    assert event.user == enrolled.user and event.ip == "203.0.113.5" and "Firefox" in event.user_agent


def test_a_passkey_signs_in_alone_on_a_site_with_several_authentication_backends(enrolled, key, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "accounts.backends.UsernameOrEmailBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    api = ApiClient()
    assert sign_in_without_password(api, key).status_code == 200
    assert api.get("/session").json()["verified"] is True
