"""Changing the password (twofactor.views.password, flows.check_password, flows.password_changed): the current
password goes through the sign-in page's password guard, every change and reset is recorded and announced by mail
and by text, in the user's language; the admin's own password page and its "set password" page alike."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from tests.support.users import PASSWORD, make_user, sign_in, verified_with_app
from twofactor import sms
from twofactor.methods.sms.models import SMSDevice
from twofactor.models import SecurityEvent, UserSession
from twofactor.signals import Kind, emit

pytestmark = pytest.mark.django_db

NEW = "a-brand-new-pass-8"


@pytest.fixture(autouse=True)
def _site_name(settings):
    settings.TWOFACTOR_ISSUER = "Example"


CHANGE = "/accounts/password/change/"


def change(client, old: str, path: str = CHANGE):
    return client.post(path, {"old_password": old, "new_password1": NEW, "new_password2": NEW})


def test_wrong_current_passwords_spend_the_sign_in_budget_and_are_recorded(settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    user, client = verified_with_app()
    statuses = [change(client, f"wrong-{number}").status_code for number in range(8)]
    # This browser is known (it completed a sign-in): 3 of its own budget, then 3 of its address's.
    assert statuses == [200] * 6 + [429] * 2
    assert "Too many attempts" in change(client, PASSWORD).content.decode()  # even the right one, unchecked
    assert SecurityEvent.objects.filter(user=user, kind=Kind.PASSWORD_FAILED).count() == 6
    assert not user.__class__.objects.get(pk=user.pk).check_password(NEW)


def test_a_right_current_password_gives_its_attempt_back(settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 3
    user, client = verified_with_app()
    assert change(client, "wrong-1").status_code == 200
    assert change(client, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    # The right one was given back: two wrong attempts (counted) and one right sign-in fit in a budget of 3.
    assert client.post("/accounts/login/", {"username": "alice", "password": "wrong-2"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "alice", "password": NEW}).status_code == 302


def test_a_wrong_current_password_gets_the_sites_plain_sentence(settings):
    _user, client = verified_with_app()
    page = change(client, "wrong-1").content.decode()
    assert "That password is not correct." in page


def test_a_change_is_recorded_mailed_and_texted_and_ends_the_other_sessions():
    user, client = verified_with_app()
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550100", confirmed=True)
    other = Client()
    sign_in(other)
    mail.outbox.clear()
    assert change(client, PASSWORD).status_code == 302
    assert SecurityEvent.objects.get(user=user, kind=Kind.PASSWORD_CHANGED).data == {"by_email": False}
    [notice] = mail.outbox
    assert notice.to == [user.email] and notice.subject == "The password of your Example account was changed"
    assert "The password of your account was changed. Your other sessions were signed out." in notice.body
    assert "If it was not you, someone has your password or a session of yours" in notice.body
    [text] = sms.outbox
    assert text.to == "+14155550100" and text.body.startswith("Example: the password of your account was changed.")
    assert "Not you?" in text.body and "/2fa/" in text.body
    assert other.get("/").status_code == 302
    assert UserSession.objects.filter(user=user).count() == 1  # this session, under its new key


def test_a_reset_by_email_is_announced_to_the_mailbox_and_the_phone():
    user = make_user()
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550100", confirmed=True)
    client = Client()
    client.post("/accounts/password/reset/", {"email": user.email})
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/accounts/password/reset/" in line)
    form_url = client.get(link[link.index("/accounts/") :].strip()).url
    client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    notice = mail.outbox[-1]
    assert "reset with a link sent to this address" in notice.body and "someone can read your mail" in notice.body
    [text] = sms.outbox
    assert "reset with a link sent by email" in text.body and "Not you?" in text.body


def test_the_notices_speak_the_users_language_not_the_resetters():
    user = make_user()
    SMSDevice.objects.create(user=user, name="Code by text message", phone_number="+14155550100", confirmed=True)
    emit(Kind.SIGNED_IN, user=user, request=None, method="totp")
    SecurityEvent.objects.filter(kind=Kind.SIGNED_IN).update(data={"method": "totp", "language": "fr"})
    Client(HTTP_ACCEPT_LANGUAGE="de").post("/accounts/password/reset/", {"email": user.email})
    emit(Kind.PASSWORD_CHANGED, user=user, request=None, by_email=True)
    assert mail.outbox[-1].subject == "Le mot de passe de votre compte Example a été modifié"
    assert sms.outbox[-1].body.startswith("Example : le mot de passe de votre compte")


def test_the_admins_own_password_page_goes_through_the_same_guard(settings):
    settings.TWOFACTOR_PASSWORD_FAILURES_PER_ACCOUNT_IP = 2
    staff, client = verified_with_app("root", is_staff=True)
    path = "/admin/password_change/"
    assert client.get(path).status_code == 200
    assert [change(client, f"wrong-{n}", path).status_code for n in range(5)] == [200] * 4 + [429]
    assert SecurityEvent.objects.filter(user=staff, kind=Kind.PASSWORD_FAILED).count() == 4


def test_the_admins_own_password_page_records_and_announces_a_change():
    staff, client = verified_with_app("root", is_staff=True)
    path = "/admin/password_change/"
    mail.outbox.clear()
    assert change(client, PASSWORD, path).status_code == 302
    assert SecurityEvent.objects.filter(user=staff, kind=Kind.PASSWORD_CHANGED).exists()
    assert [notice.to for notice in mail.outbox] == [[staff.email]]


def test_a_password_set_by_staff_is_recorded_announced_and_ends_the_users_sessions():
    alice, alice_client = verified_with_app("alice")
    staff, desk = verified_with_app("helper", is_staff=True)
    for codename in ("view_user", "change_user"):
        staff.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="accounts"))
    mail.outbox.clear()
    answer = desk.post(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert answer.status_code == 302, answer.content[:300]
    event = SecurityEvent.objects.get(user=alice, kind=Kind.PASSWORD_CHANGED)
    assert event.data == {"by_email": False, "by_staff": True, "actor": staff.pk, "actor_name": "helper"}
    [notice] = mail.outbox
    assert "An administrator set a new password for your account." in notice.body
    assert "By: an administrator of Example" in notice.body and "IP address" not in notice.body
    assert alice_client.get("/").status_code == 302


def test_a_wrong_password_at_re_authentication_is_recorded(settings):
    user, client = verified_with_app()
    answer = client.post("/2fa/reauthenticate/", {"password": "wrong-1", "code": "123456", "method": "totp"})
    assert answer.status_code == 400
    assert SecurityEvent.objects.filter(user=user, kind=Kind.PASSWORD_FAILED).count() == 1
