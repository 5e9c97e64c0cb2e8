"""The sign-in step's page for methods that send codes: the code goes out on arrival, once per sign-in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.support.delivery_fixtures import code_in
from tests.support.devices import add_email, add_sms
from tests.support.users import make_user, sign_in
from twofactor import sms
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.sms.method import SMSMethod


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_the_code_is_mailed_as_the_page_opens_and_a_reload_sends_nothing(client):
    add_email(make_user())
    sign_in(client)
    page = client.get("/2fa/verify/")
    assert len(mail.outbox) == 1
    assert "We sent a 6-digit code to a••••@example.com." in text(page)
    assert re.search(r"You can ask for a new code in (59|60) seconds\.", text(page))
    for _ in range(3):
        client.get("/2fa/verify/")
    assert len(mail.outbox) == 1
    code = code_in(mail.outbox[0].body)
    assert client.post("/2fa/verify/", {"code": code}).status_code == 302


@pytest.mark.django_db
def test_each_sign_in_sends_once_but_the_cooldown_still_holds(client, settings):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 60
    user = make_user()
    device = add_email(user)
    sign_in(client)
    client.get("/2fa/verify/")
    client.post("/accounts/logout/")
    sign_in(client)  # a new sign-in within the cooldown: the first code still works, no second mail
    page = client.get("/2fa/verify/")
    assert len(mail.outbox) == 1
    assert "We sent a 6-digit code" in text(page)
    # Past the cooldown, a third sign-in mails a new code on arrival.
    EmailDevice.objects.filter(pk=device.pk).update(last_generated_timestamp=timezone.now() - timedelta(minutes=2))
    client.post("/accounts/logout/")
    sign_in(client)
    client.get("/2fa/verify/")
    client.get("/2fa/verify/")
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_switching_to_another_method_that_sends_codes_sends_once(client):
    user = make_user()
    email = add_email(user)
    add_sms(user)
    EmailDevice.objects.filter(pk=email.pk).update(last_used_at=timezone.now())
    sign_in(client)
    client.get("/2fa/verify/")
    client.post("/2fa/verify/", {"action": "use", "method": "sms"})
    page = client.get("/2fa/verify/")
    client.get("/2fa/verify/")
    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    assert "We sent a 6-digit code to +14•••••••23." in text(page)


@pytest.mark.django_db
def test_nothing_is_sent_for_an_authenticator_app(client):
    from tests.support.devices import add_totp

    add_totp(make_user())
    sign_in(client)
    page = client.get("/2fa/verify/")
    assert mail.outbox == [] and sms.outbox == []
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", page.content.decode()).group(0)
    assert 'inputmode="numeric"' in field and 'pattern="[0-9]{6}"' in field
    assert 'autocomplete="one-time-code"' in field


@pytest.mark.django_db
def test_asking_again_says_it_once_and_the_page_tells_when(client, settings):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 60
    add_sms(make_user())
    sign_in(client)
    client.get("/2fa/verify/")
    response = client.post("/2fa/verify/", {"action": "send"}, follow=True)
    assert response.status_code == 429
    body = text(response)
    assert body.count("ask for another in") == 1, "one message, not a stale 'we sent' beside it"
    assert "We sent a code to" not in body
    assert len(sms.outbox) == 1


@pytest.mark.django_db
def test_text_messages_end_with_the_origin_bound_line(client):
    add_sms(make_user())
    sign_in(client)
    client.get("/2fa/verify/", HTTP_HOST="localhost:8000")
    [message] = sms.outbox
    code = code_in(message.body)
    assert message.body.endswith(f"\n\n@localhost #{code}")


@pytest.mark.django_db
def test_the_countdown_is_text_that_a_small_script_makes_tick(client):
    add_email(make_user())
    sign_in(client)
    page = client.get("/2fa/verify/").content.decode()
    assert re.search(r'data-countdown="(59|60)"', page)
    assert "/static/twofactor/countdown.js" in page
    assert 'data-one="You can ask for a new code in 1 second."' in page


@pytest.mark.django_db
def test_without_a_cooldown_a_reload_still_sends_nothing(client, settings):
    settings.TWOFACTOR_COOLDOWN_SECONDS = 0
    add_email(make_user())
    sign_in(client)
    for _ in range(3):
        client.get("/2fa/verify/")
    assert len(mail.outbox) == 1
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 302  # asked for: sent
    assert len(mail.outbox) == 2


class CallMeMethod(SMSMethod):
    """A method whose code must be asked for (as a voice call would be): nothing is sent as the page opens."""

    sends_on_arrival = False


@pytest.mark.django_db
def test_a_method_that_does_not_send_on_arrival_sends_only_when_asked(client, settings):
    settings.TWOFACTOR_METHODS = [
        f"{__name__}.CallMeMethod" if path.endswith("SMSMethod") else path for path in settings.TWOFACTOR_METHODS
    ]
    add_sms(make_user())
    sign_in(client)
    page = client.get("/2fa/verify/")
    assert sms.outbox == [] and "Send me a code" in text(page)
    assert client.post("/2fa/verify/", {"action": "send"}).status_code == 302
    assert len(sms.outbox) == 1
