"""The mailbox never replaces both factors, at any time (twofactor.mailbox), and never floods: a password a reset by
email set, staff methods, the limited session a rescue code by email opens, and the reset mails."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.support.api_client import ApiClient, error_of, last_emailed_code
from tests.support.devices import add_email, add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import MailboxPassword, SecurityEvent

pytestmark = pytest.mark.django_db


def pending_api(user) -> ApiClient:
    api = ApiClient()
    assert api.login(user.username, PASSWORD)["two_factor"]["state"] == "verify"
    return api


def reset_by_email(user, days_ago: float = 0) -> None:
    """What the reset page does once the new password is set (flows.password_changed), dated `days_ago`."""
    user.set_password(PASSWORD)
    user.save()
    flows.password_changed(None, user, by_email=True)
    SecurityEvent.objects.filter(user=user).update(created_at=timezone.now() - timedelta(days=days_ago))
    MailboxPassword.objects.filter(user=user).update(reset_at=timezone.now() - timedelta(days=days_ago))


def test_staff_are_never_rescued_by_email(db):
    staff = make_user("root", is_staff=True)
    add_totp(staff)
    api = pending_api(staff)
    error_of(api.post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    error_of(api.post("/2fa/rescue", {"option": "email_code", "code": "123456"}), 403, "rescue_by_email_refused")
    assert mail.outbox == []


def test_no_rescue_by_email_while_the_password_is_one_a_reset_by_email_set_however_long_ago(totp_user):
    user, _device, _totp = totp_user
    reset_by_email(user, days_ago=400)
    mail.outbox.clear()  # the notice of the reset itself
    error_of(pending_api(user).post("/2fa/rescue", {"option": "email"}), 403, "rescue_by_email_refused")
    assert mail.outbox == []


def test_a_password_change_in_a_signed_in_session_lifts_it(totp_user):
    user, _device, totp = totp_user
    reset_by_email(user)
    flows.password_changed(None, user, by_email=False)
    assert pending_api(user).post("/2fa/rescue", {"option": "email"}).status_code == 200


def test_a_password_set_any_other_way_lifts_it_too(totp_user):
    """The fact is bound to the password the reset set: a new one (the admin's form, manage.py changepassword)
    is not the mailbox's."""
    user, _device, _totp = totp_user
    reset_by_email(user)
    user.set_password("set-by-the-operator-9")
    user.save()
    api = ApiClient()
    api.login(user.username, "set-by-the-operator-9")
    assert api.post("/2fa/rescue", {"option": "email"}).status_code == 200


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
    assert MailboxPassword.objects.filter(user=user).exists()


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


# Staff and superusers: a method that is not mailbox-bound, always


def staff_with_email_only(username: str = "helper", **extra):
    staff = make_user(username, is_staff=True, **extra)
    add_email(staff)
    return staff


def test_a_staff_members_email_is_no_second_step_once_the_mailbox_reset_the_password():
    staff = staff_with_email_only()
    reset_by_email(staff)
    api = pending_api(staff)
    error_of(api.post("/2fa/challenge", {"method": "email"}), 403, "email_factor_paused")
    error_of(api.post("/2fa/verify", {"code": "123456", "method": "email"}), 403, "email_factor_paused")


def test_staff_set_up_a_staff_method_before_any_other(settings):
    make_user("helper", is_staff=True)
    api = ApiClient()
    assert api.login("helper", PASSWORD)["two_factor"]["state"] == "setup"
    refused = error_of(api.post("/2fa/setup/email", {"email": "helper@example.com"}), 403, "staff_method_required")
    assert refused["message"] == (
        "Staff accounts set up one of these first: Authenticator app, Text message, Passkey, Hardware token. "
        "Then you may add other methods."
    )
    settings.TWOFACTOR_STAFF_METHODS = ["totp", "passkey"]
    error_of(api.post("/2fa/setup/sms", {"phone": "+14155550100"}), 403, "staff_method_required")
    page = api.django.get("/2fa/setup/").content.decode()
    assert "Staff accounts need one of these before any other method" in page
    assert "/2fa/setup/totp/" in page and "/2fa/setup/email/" not in page and "/2fa/setup/sms/" not in page
    assert api.post("/2fa/setup/totp").status_code == 200


def test_the_rule_holds_at_confirmation_too(settings):
    """A code sent while the account was not staff, confirmed after its promotion, still adds no email first."""
    user = make_user("helper")
    api = ApiClient()
    api.login("helper", PASSWORD)
    assert api.post("/2fa/setup/email", {"email": "helper@example.com"}).status_code == 200
    user.is_staff = True
    user.save()
    error_of(api.post("/2fa/setup/confirm", {"code": last_emailed_code()}), 403, "staff_method_required")
    assert not EmailDevice.objects.filter(user=user).exists()


def test_a_staff_members_first_method_is_stored_when_it_is_a_staff_method():
    """The rule at confirmation names the method being stored: a staff method confirmed first is welcome."""
    import pyotp

    staff = make_user("helper", is_staff=True)
    api = ApiClient()
    assert api.login("helper", PASSWORD)["two_factor"]["state"] == "setup"
    totp = pyotp.parse_uri(api.post("/2fa/setup/totp").json()["otpauth_uri"])
    response = api.post("/2fa/setup/confirm", {"code": totp.now()})
    assert response.status_code == 200, response.content
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


def test_a_staff_member_holding_a_staff_method_adds_an_email_method_afterwards():
    staff = make_user("helper", is_staff=True)
    _device, totp = add_totp(staff)
    api = pending_api(staff)
    assert api.post("/2fa/verify", {"code": totp.now(), "method": "totp"}).status_code == 200
    assert api.post("/2fa/setup/email", {"email": "helper@example.com"}).status_code == 200
    response = api.post("/2fa/setup/confirm", {"code": last_emailed_code()})
    assert response.status_code == 200, response.content
    assert EmailDevice.objects.filter(user=staff, confirmed=True).exists()


def test_staff_keep_their_last_staff_method(client):
    staff = staff_with_email_only()
    _device, totp = add_totp(staff)
    sign_in(client, "helper")
    assert client.post("/2fa/verify/", {"code": totp.now(), "method": "totp"}).status_code == 302
    answer = client.post("/2fa/methods/totp/remove/", follow=True)
    assert "Staff accounts keep one of these" in answer.content.decode()
    assert TOTPDevice.objects.filter(user=staff).exists()
    assert client.post("/2fa/methods/email/remove/").status_code == 302
    assert not EmailDevice.objects.filter(user=staff).exists()


def test_a_staff_member_without_a_staff_method_is_sent_to_set_one_up_before_the_admin(client):
    staff = staff_with_email_only()
    sign_in(client, "helper")
    client.post("/2fa/verify/", {"action": "send"})
    assert client.post("/2fa/verify/", {"code": last_emailed_code(), "method": "email"}).status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/2fa/setup/?next=%2Fadmin%2F"
    assert "The admin needs one of these: Authenticator app" in response.content.decode()
    _device, _totp = add_totp(staff)
    assert client.get("/admin/").status_code == 200


def test_promoting_a_user_without_a_staff_method_warns_in_the_admin(client):
    from django.contrib.messages import get_messages

    root = make_user("root", is_staff=True, is_superuser=True)
    _device, totp = add_totp(root)
    sign_in(client, "root")
    client.post("/2fa/verify/", {"code": totp.now()})
    alice = make_user("alice")
    page = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = {key: value for key, value in page.context["adminform"].form.initial.items() if value not in (None, [])}
    form.update(username="alice", email=alice.email, is_staff="on", date_joined_0="2026-01-01", date_joined_1="00:00")
    answer = client.post(f"/admin/accounts/user/{alice.pk}/change/", form)
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    shown = [str(message) for message in get_messages(answer.wsgi_request)]
    assert any("alice holds none of these" in message and "cannot use the admin" in message for message in shown)


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        (["totp", "email"], "TWOFACTOR_STAFF_METHODS has 'email', which sends its codes to a mailbox"),
        (["backup"], "TWOFACTOR_STAFF_METHODS has 'backup', which is recovery codes"),
        (["fax"], "TWOFACTOR_STAFF_METHODS has 'fax', which is not an active method"),
    ],
)
def test_a_staff_method_that_is_mailbox_bound_or_unknown_is_a_configuration_error(settings, value, sentence):
    from twofactor.checks import check_methods

    settings.TWOFACTOR_STAFF_METHODS = value
    [error] = [error for error in check_methods(None) if error.id == "twofactor.E070"]
    assert error.msg.startswith(sentence)


def test_a_site_whose_methods_all_go_to_a_mailbox_cannot_start(settings):
    from twofactor.app_settings import BUILTIN_METHODS
    from twofactor.checks import check_methods

    settings.TWOFACTOR_METHODS = [path for path in BUILTIN_METHODS if ".email." in path or ".backup." in path]
    [error] = [error for error in check_methods(None) if error.id == "twofactor.E070"]
    assert error.msg == "No method of TWOFACTOR_STAFF_METHODS is active: no staff member could enter the admin."


# A session a rescue code by email opened is limited, and every channel of the account is told


def rescued(user) -> ApiClient:
    api = pending_api(user)
    assert api.post("/2fa/rescue", {"option": "email"}).status_code == 200
    answer = api.post("/2fa/rescue", {"option": "email_code", "code": last_emailed_code()})
    assert answer.status_code == 200 and answer.json()["session"]["verified"] is True
    return api


def test_a_rescued_session_changes_no_method_code_password_or_session(totp_user):
    user, _device, _totp = totp_user
    api = rescued(user)
    for answer in (
        api.post("/2fa/setup/email", {"email": "other@example.com"}),
        api.post("/2fa/setup/passkey/begin", {"name": "Mine"}),
        api.delete("/2fa/devices/totp", {}),
        api.post("/2fa/backup-codes", {}),
    ):
        error_of(answer, 403, "limited_session")
    pages, token = api.django, {"csrfmiddlewaretoken": api.csrf_token}
    turn_off = pages.post("/2fa/turn-off/", token, follow=True).content.decode()
    assert "cannot change your two-factor methods" in turn_off
    assert "cannot change" in pages.post("/2fa/sessions/end-others/", token, follow=True).content.decode()
    change = pages.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "a-new-pass-888", "new_password2": "a-new-pass-888", **token},
    )
    assert change.status_code == 200 and "cannot change" in change.content.decode()
    assert list(TOTPDevice.objects.filter(user=user).values_list("name", flat=True)) == ["Authenticator app"]
    assert not EmailDevice.objects.filter(user=user).exists()


def test_the_limit_lifts_once_the_waiting_period_is_over(totp_user):
    from twofactor import state

    user, _device, totp = totp_user
    api = rescued(user)
    session = api.django.session
    record = session[state.SESSION_KEY]
    record["verified_at"] -= 72 * 3600 + 1  # TWOFACTOR_RESCUE_WAIT_HOURS later
    session[state.SESSION_KEY] = record
    session.save()
    # No longer limited; but the rescue code was no second factor, so the change asks for one like any other.
    error_of(api.post("/2fa/backup-codes", {}), 403, "reauthentication_required")
    proved = api.post("/reauthenticate", {"password": PASSWORD, "code": totp.now()})
    assert proved.status_code == 200, proved.content
    assert api.post("/2fa/backup-codes", {}).status_code == 200


def test_every_channel_is_told_of_a_rescued_session(totp_user):
    from twofactor import sms
    from twofactor.methods.sms.models import SMSDevice

    user, _device, _totp = totp_user
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550100", confirmed=True)
    mail.outbox.clear()
    rescued(user)
    notice = mail.outbox[-1]
    assert notice.subject.startswith("Someone signed in to your") and "for the next 72 hours" in notice.body
    assert "If it was not you, someone has your password and can read your mail" in notice.body
    [text] = [text for text in sms.outbox if "rescue code" in text.body]
    assert text.to == "+14155550100" and "Not you?" in text.body
    assert SecurityEvent.objects.get(user=user, kind="rescue_session").data == {"hours": 72}
