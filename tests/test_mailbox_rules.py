"""The mailbox never replaces both factors, and never floods: rescue by email and reset mails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user
from twofactor.methods.email.models import EmailDevice
from twofactor.models import SecurityEvent
from twofactor.signals import Kind, emit

pytestmark = pytest.mark.django_db


def pending_api(user) -> ApiClient:
    api = ApiClient()
    assert api.login(user.username, PASSWORD)["two_factor"]["state"] == "verify"
    return api


def reset_by_email(user, days_ago: float = 0) -> None:
    emit(Kind.PASSWORD_CHANGED, user=user, request=None, by_email=True)
    SecurityEvent.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_staff_are_never_rescued_by_email(db):
    staff = make_user("root", is_staff=True)
    add_totp(staff)
    api = pending_api(staff)
    error_of(api.post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    error_of(api.post("/2fa/rescue", {"option": "email_code", "code": "123456"}), 403, "rescue_by_email_refused")
    assert mail.outbox == []


def test_no_rescue_by_email_for_a_week_after_a_reset_by_email(totp_user):
    user, _device, _totp = totp_user
    reset_by_email(user, days_ago=6.9)
    error_of(pending_api(user).post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    reset_by_email(user, days_ago=7.1)
    assert pending_api(user).post("/2fa/rescue", {"option": "email"}).status_code == 200


def test_a_password_change_while_signed_in_does_not_pause_rescue(totp_user):
    user, _device, _totp = totp_user
    emit(Kind.PASSWORD_CHANGED, user=user, request=None, by_email=False)
    assert pending_api(user).post("/2fa/rescue", {"option": "email"}).status_code == 200


def test_the_rescue_page_says_why_and_what_is_left(client):
    staff = make_user("root", is_staff=True)
    add_totp(staff)
    client.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    page = client.get("/2fa/rescue/").content.decode()
    assert "Staff accounts cannot be rescued with a code by email" in page
    assert "Email me a code" not in page and "Ask the administrators for help" in page


def test_after_a_reset_by_email_the_email_method_cannot_stand_in_for_the_app(totp_user):
    user, _device, totp = totp_user
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    reset_by_email(user)
    api = pending_api(user)
    error_of(api.post("/2fa/challenge", {"method": "email"}), 403, "email_factor_paused")
    error_of(api.post("/2fa/verify", {"code": "123456", "method": "email"}), 403, "email_factor_paused")
    assert api.verify(totp.now())["verified"] is True


def test_an_email_only_account_still_signs_in_with_email_after_a_reset(user):
    EmailDevice.objects.create(user=user, name="Code by email", email=user.email, confirmed=True)
    reset_by_email(user)
    api = pending_api(user)
    assert api.post("/2fa/challenge", {"method": "email"}).status_code == 200
    assert api.verify(last_emailed_code(), method="email")["verified"] is True


def test_the_reset_confirm_page_records_a_reset_by_email(user):
    client = Client()
    client.post("/accounts/password/reset/", {"email": user.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/password/reset/" in line)
    form_url = client.get(link[link.index("/accounts/") :].strip()).url
    client.post(form_url, {"new_password1": "a-brand-new-pass-8", "new_password2": "a-brand-new-pass-8"})
    assert SecurityEvent.objects.get(user=user, kind="password_changed").data == {"by_email": True}


def test_reset_mails_are_limited_per_client_address(db, settings):
    settings.PASSWORD_RESET_MAILS_PER_IP_HOUR = 2
    for number in range(4):
        make_user(f"user{number}")
    client = Client()
    answers = [client.post("/accounts/password/reset/", {"email": f"user{number}@example.com"}) for number in range(4)]
    assert {answer.url for answer in answers} == {"/accounts/password/reset/sent/"}
    assert len(mail.outbox) == 2
    other = Client(REMOTE_ADDR="192.0.2.99")
    other.post("/accounts/password/reset/", {"email": "user3@example.com"})
    assert len(mail.outbox) == 3


def test_reset_mails_are_limited_per_mailbox_whatever_the_client_address(db):
    """Ten requests for one mailbox, each from another client address (no per-client budget runs out): three mails
    an hour reach it, however the address is typed, and every request gets the same page. Another mailbox still
    gets its mail."""
    make_user("victim")
    make_user("bystander")
    spellings = ["victim@example.com", "VICTIM@example.com", " Victim@Example.COM "]
    answers = [
        Client(REMOTE_ADDR=f"198.51.100.{number + 1}").post(
            "/accounts/password/reset/", {"email": spellings[number % len(spellings)]}
        )
        for number in range(10)
    ]
    assert {(answer.status_code, answer.url) for answer in answers} == {(302, "/accounts/password/reset/sent/")}
    assert [message.to for message in mail.outbox] == [["victim@example.com"]] * 3
    Client(REMOTE_ADDR="198.51.100.99").post("/accounts/password/reset/", {"email": "bystander@example.com"})
    assert mail.outbox[-1].to == ["bystander@example.com"] and len(mail.outbox) == 4
