"""flows.unlock: when strangers spent an account's ceiling of wrong passwords, its owner is mailed a link that lets
one browser in (good once, for a day, under the current password), in the one mail that tells them about the
guessing (twofactor.alerts.alert_guessing); a password change clears the ceiling."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.support.api_client import ApiClient, error_of
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.models import SecurityEvent

pytestmark = pytest.mark.django_db

LOCKED = "Too many wrong passwords were tried for this account."


@pytest.fixture(autouse=True)
def _small_ceiling(settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT = 3
    settings.TWOFACTOR_ISSUER = "Example"


def trip_the_ceiling(username: str = "alice") -> None:
    for number in range(3):
        stranger = ApiClient(REMOTE_ADDR=f"203.0.113.{number}")
        error_of(
            stranger.post("/login", {"username": username, "password": "wrong-password-1"}), 401, "invalid_credentials"
        )


def owner_signs_in(client: ApiClient, password: str = PASSWORD):
    return client.post("/login", {"username": "alice", "password": password})


def unlock_link() -> str:
    return re.search(r"/2fa/unlock/[^\s/]+/", mail.outbox[-1].body).group(0)


def test_the_owner_is_mailed_a_link_that_lets_one_browser_through_the_ceiling():
    user = make_user()
    add_totp(user)
    trip_the_ceiling()
    browser = ApiClient(REMOTE_ADDR="198.51.100.7")
    refused = error_of(owner_signs_in(browser), 429, "throttled")
    assert refused["message"].startswith(LOCKED)
    [notice] = mail.outbox
    assert notice.to == [user.email] and notice.subject == "Many wrong passwords were tried on your Example account"
    assert "At least 3 wrong passwords were tried for your account in the last 24 hours." in notice.body
    assert "none of these passwords was accepted, and nobody got in" in notice.body
    assert "it works once, for 24 hours" in notice.body
    link = unlock_link()
    page = browser.django.get(link)
    assert page.status_code == 200 and b"Let this browser sign in" in page.content
    answer = browser.django.post(link, {"csrfmiddlewaretoken": browser.csrf_token})
    assert answer.status_code == 302 and answer.url == "/accounts/login/"
    assert owner_signs_in(browser).status_code == 200
    kinds = list(SecurityEvent.objects.filter(user=user).values_list("kind", flat=True))
    assert "password_ceiling" in kinds and "browser_unlocked" in kinds
    # Strangers are where they were.
    error_of(owner_signs_in(ApiClient(REMOTE_ADDR="203.0.113.50")), 429, "throttled")


def test_the_link_is_good_once_and_only_in_the_browser_that_spent_it():
    make_user()
    trip_the_ceiling()
    error_of(owner_signs_in(ApiClient(REMOTE_ADDR="198.51.100.7")), 429, "throttled")
    link = unlock_link()
    first, second = ApiClient(), ApiClient()
    assert first.django.post(link, {"csrfmiddlewaretoken": first.csrf_token}).status_code == 302
    spent = second.django.post(link, {"csrfmiddlewaretoken": second.csrf_token})
    assert spent.status_code == 400 and b"not valid any more" in spent.content
    assert second.django.get(link).status_code == 400
    error_of(owner_signs_in(second), 429, "throttled")


def test_a_visit_without_the_button_spends_nothing():
    make_user()
    trip_the_ceiling()
    error_of(owner_signs_in(ApiClient(REMOTE_ADDR="198.51.100.7")), 429, "throttled")
    link = unlock_link()
    assert Client().get(link).status_code == 200  # a mail scanner following links
    assert Client().post(link, {}).status_code == 302


def test_the_link_dies_with_the_password():
    user = make_user()
    trip_the_ceiling()
    error_of(owner_signs_in(ApiClient(REMOTE_ADDR="198.51.100.7")), 429, "throttled")
    link = unlock_link()
    user.set_password("a-brand-new-pass-8")
    user.save()
    assert Client().post(link, {}).status_code == 400
    user.set_password(PASSWORD)
    user.save()  # the same password again, but a new hash (a new salt): still dead
    assert Client().post(link, {}).status_code == 400


def test_the_link_expires_after_a_day_and_a_forged_one_is_refused(monkeypatch):
    import time

    make_user()
    trip_the_ceiling()
    error_of(owner_signs_in(ApiClient(REMOTE_ADDR="198.51.100.7")), 429, "throttled")
    link = unlock_link()
    assert Client().post(link.replace("/unlock/e", "/unlock/f"), {}).status_code == 400
    later = time.time() + 24 * 3600 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    expired = Client().post(link, {})
    assert expired.status_code == 400 and b"not valid any more" in expired.content


def test_one_mail_a_day_however_many_attempts_meet_the_ceiling():
    make_user()
    trip_the_ceiling()
    for number in range(5):
        error_of(owner_signs_in(ApiClient(REMOTE_ADDR=f"198.51.100.{number}")), 429, "throttled")
    assert len(mail.outbox) == 1


def test_an_unknown_name_gets_the_same_answer_and_no_mail(db):
    trip_the_ceiling("nobody")
    refused = error_of(
        ApiClient(REMOTE_ADDR="198.51.100.7").post("/login", {"username": "nobody", "password": "x-y-z-1234"}),
        429,
        "throttled",
    )
    assert refused["message"].startswith(LOCKED) and mail.outbox == []


def test_the_sign_in_page_says_so_too():
    make_user()
    trip_the_ceiling()
    page = Client(REMOTE_ADDR="198.51.100.7").post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert page.status_code == 429 and LOCKED in page.content.decode()


@pytest.mark.parametrize("how", ["change", "reset"])
def test_a_password_change_or_reset_clears_the_ceiling(how):
    user = make_user()
    _device, totp = add_totp(user)
    owner = Client()
    if how == "change":
        owner.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
        owner.post("/2fa/verify/", {"code": totp.now()})
    trip_the_ceiling()
    new = "a-brand-new-pass-8"
    if how == "change":
        form = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        assert owner.post("/accounts/password/change/", form).status_code == 302
    else:
        owner.post("/accounts/password/reset/", {"email": user.email})
        reset = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[-1].body).group(0)
        form_url = owner.get(reset).url
        assert owner.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert owner_signs_in(ApiClient(REMOTE_ADDR="198.51.100.9"), new).status_code == 200


def test_the_mail_goes_once_the_answer_is_out_so_its_timing_tells_no_name_apart():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from twofactor import after_response, flows

    make_user()
    trip_the_ceiling()
    mail.outbox.clear()
    request = RequestFactory(REMOTE_ADDR="198.51.100.7").post("/api/v1/login")
    with pytest.raises(flows.TwoFactorError) as refused:
        flows.authenticate_password(request, "alice", PASSWORD)
    assert refused.value.status == 429 and mail.outbox == []  # answered: nothing was looked up or mailed yet
    response = HttpResponse()
    after_response.attach(request, response)
    response.close()  # what the server does once the answer is sent
    assert "/2fa/unlock/" in mail.outbox[-1].body
