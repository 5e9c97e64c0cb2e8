"""What a first-time user meets: plural forms, the security record in plain words, labelled fields, the demo reset,
and the site's own error pages with DEBUG off."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import path
from django.utils import translation

from tests.support.devices import add_totp
from tests.support.users import make_user
from twofactor import activity
from twofactor.errors import throttled
from twofactor.methods.email.models import EmailDevice
from twofactor.methods.totp.models import TOTPDevice
from twofactor.models import SecurityEvent
from twofactor.sent_code.caps import cooling_down

Kind = SecurityEvent.Kind


# Plural forms


@pytest.mark.parametrize(("seconds", "expected"), [(1, "in 1 second."), (2, "in 2 seconds."), (45, "in 45 seconds.")])
def test_waits_use_the_plural_form_of_their_number(seconds, expected):
    assert throttled(seconds).message.endswith(expected)
    assert cooling_down(seconds).message.endswith(expected)


def test_plural_forms_follow_the_language():
    with translation.override("fr"):
        assert throttled(1).message.endswith("1 seconde.")
        assert throttled(3).message.endswith("3 secondes.")
    with translation.override("de"):
        assert throttled(1).message.endswith("1 Sekunde erneut.")
        assert throttled(3).message.endswith("3 Sekunden erneut.")


# The security record


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "data", "words"),
    [
        (Kind.METHOD_ADDED, {"method": "totp"}, "Authenticator app added"),
        (Kind.METHOD_REMOVED, {"method": "sms"}, "Text message removed"),
        (Kind.SIGNED_IN, {"method": "email"}, "Signed in with a code by email"),
        (Kind.CODE_SENT, {"method": "sms", "target": "+14•••••••23"}, "Code sent to +14•••••••23"),
        (Kind.BACKUP_CODES_GENERATED, {}, "New backup codes made"),
        (Kind.RESET, {"methods_removed": 2}, "Two-factor turned off by the administrators"),
        # Passkeys: added and removed by name, signed in without a password, a copied key refused.
        (Kind.METHOD_ADDED, {"method": "passkey", "name": "Laptop"}, "Passkey “Laptop” added"),
        (Kind.METHOD_REMOVED, {"method": "passkey", "name": "Blue key"}, "Passkey “Blue key” removed"),
        (
            Kind.SIGNED_IN,
            {"method": "passkey", "passwordless": True},
            "Signed in with a passkey alone, without a password",
        ),
        (
            Kind.CODE_FAILED,
            {"method": "passkey", "reason": "sign_count_not_increasing"},
            "A passkey was refused: its signature counter went backwards, so it may be a copy of your key",
        ),
        (Kind.CODE_FAILED, {"method": "totp", "failures": 1}, "A wrong answer was given for an authenticator app"),
        # Rescue, remembered browsers, passwords, sessions and backup codes.
        (Kind.SIGNED_IN, {"method": "rescue"}, "Signed in with a rescue code sent by email"),
        (Kind.SIGNED_IN, {"method": "backup"}, "Signed in with a backup code"),
        (Kind.SIGNED_IN, {"method": "totp"}, "Signed in with an authenticator app"),
        (Kind.SIGNED_IN, {"method": "sms"}, "Signed in with a text message"),
        (Kind.THROTTLED, {"method": "backup"}, "Too many wrong answers for a backup code: sign-in paused for a while"),
        (Kind.CODE_FAILED, {"method": "rescue"}, "A wrong rescue code was entered"),
        (Kind.SIGNED_IN, {"method": "totp", "remembered": True}, "Signed in on a remembered browser"),
        (Kind.RESCUE_FILED, {"added_to_open": True}, "Added more to an open request for help"),
        (
            Kind.RESCUE_HANDLED,
            {"status": "approved"},
            "The administrators approved a request for help and turned two-factor off",
        ),
        (Kind.RESCUE_HANDLED, {"status": "denied"}, "The administrators declined a request for help"),
        (
            Kind.CODE_SENT,
            {"method": "email", "target": "a•••@example.com", "purpose": "confirm"},
            "Code to confirm a new method sent to a•••@example.com",
        ),
        (Kind.PASSWORD_CHANGED, {"by_email": True}, "Password reset with a link sent by email"),
        (Kind.SESSION_ENDED, {"count": 3}, "3 sessions were signed out"),
        (Kind.BACKUP_CODES_GENERATED, {"count": 10}, "10 new backup codes made"),
        (Kind.BACKUP_CODE_USED, {"remaining": 1}, "A backup code was used: 1 is left"),
    ],
)
def test_the_security_record_reads_as_sentences(kind, data, words):
    event = SecurityEvent.objects.create(user=make_user(), kind=kind, data=data)
    assert activity.describe(event) == words


@pytest.mark.django_db
def test_the_new_wording_is_translated():
    event = SecurityEvent(kind=Kind.CODE_FAILED, data={"method": "passkey", "reason": "sign_count_not_increasing"})
    with translation.override("fr"):
        assert activity.describe(event).startswith("Une clé d'accès a été refusée")
    with translation.override("de"):
        assert activity.describe(SecurityEvent(kind=Kind.SESSION_ENDED, data={"count": 2})) == (
            "2 Sitzungen wurden abgemeldet"
        )
    with translation.override("es"):
        event = SecurityEvent(kind=Kind.METHOD_ADDED, data={"method": "passkey", "name": "Portátil"})
        assert activity.describe(event) == "Método añadido: Llave de acceso «Portátil»"


@pytest.mark.django_db
def test_every_kind_has_a_sentence():
    user = make_user()
    for kind in Kind:
        sentence = activity.describe(SecurityEvent(user=user, kind=kind, data={}))
        assert sentence and "_" not in sentence and "(" not in sentence


@pytest.mark.django_db
def test_the_security_page_shows_words_and_local_dates(verified_client, totp_user):
    SecurityEvent.objects.create(user=totp_user[0], kind=Kind.METHOD_ADDED, data={"method": "totp"})
    verified_client.cookies["tz"] = "Asia/Tokyo"
    page = verified_client.get("/2fa/").content.decode()
    assert "Authenticator app added" in page and "(totp)" not in page
    assert re.search(r'<time datetime="[^"]+\+09:00">', page), "dates in the browser's time zone"
    verified_client.cookies["django_language"] = "fr"
    page = verified_client.get("/2fa/").content.decode()
    assert "Méthode ajoutée : Application d'authentification" in page.replace("&#x27;", "'")


# Fields


@pytest.mark.django_db
def test_help_texts_have_the_ids_the_fields_point_to(client):
    page = client.get("/accounts/signup/").content.decode()
    for described in re.findall(r'aria-describedby="([^"]+)"', page):
        for target in described.split():
            assert f'id="{target}"' in page, target


@pytest.mark.django_db
def test_account_forms_tell_password_managers_what_each_field_is(client_factory, verified_client):
    client = client_factory()
    login = client.get("/accounts/login/").content.decode()
    assert re.search(r'name="username"[^>]*autocomplete="username"|autocomplete="username"[^>]*name="username"', login)
    assert 'autocomplete="current-password"' in login
    signup = client.get("/accounts/signup/").content.decode()
    assert signup.count('autocomplete="new-password"') == 2 and 'autocomplete="email"' in signup
    change = verified_client.get("/accounts/password/change/").content.decode()
    assert 'autocomplete="current-password"' in change and 'autocomplete="new-password"' in change


# seed_demo


@pytest.mark.django_db
def test_seed_demo_reset_removes_the_methods_of_an_earlier_run():
    call_command("seed_demo", stdout=StringIO())
    from django.contrib.auth import get_user_model

    from accounts.management.commands.seed_demo import DEMO_USERNAME

    demo = get_user_model().objects.get(username=DEMO_USERNAME)
    add_totp(demo)
    EmailDevice.objects.create(user=demo, name="Code by email", email=demo.email, confirmed=True)
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert not TOTPDevice.objects.filter(user=demo).exists()
    assert not EmailDevice.objects.filter(user=demo).exists()
    assert "Removed 2 two-factor methods" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_reruns_mail_nobody(mailoutbox):
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # the run command's every start after the first
    from django.contrib.auth import get_user_model

    from accounts.management.commands.seed_demo import DEMO_USERNAME

    add_totp(get_user_model().objects.get(username=DEMO_USERNAME))
    call_command("seed_demo", stdout=StringIO())  # a reset of what the walk-through set up: recorded, not mailed
    assert mailoutbox == []
    assert SecurityEvent.objects.filter(kind="reset").count() == 1


# Error pages with DEBUG off (the test runner keeps DEBUG off)


def _boom(request):
    raise RuntimeError("boom")


def _suspicious(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("bad")


def _denied(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("suspicious/", _suspicious),
    path("denied/", _denied),
    *__import__("twofa_site.urls", fromlist=["urlpatterns"]).urlpatterns,
]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/no-such-page/", 404, "We could not find that page"),
        ("/boom/", 500, "Something went wrong on our side"),
        ("/suspicious/", 400, "We could not understand that request"),
        ("/denied/", 403, "You are not allowed to see this page"),
    ],
)
def test_error_pages_have_the_sites_look(client, url, status, heading):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page and "/static/css/site.css" in page and "twofa_site" in page


@pytest.mark.django_db
def test_a_wrong_http_method_gets_the_405_page(client):
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert "This page cannot be used this way" in response.content.decode()
    assert response.headers["Allow"]


@pytest.mark.django_db
def test_the_api_keeps_its_json_answers(client):
    response = client.get("/api/v1/login")
    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_a_failed_csrf_check_gets_the_sites_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


@pytest.mark.django_db
def test_a_bare_429_gets_the_page_with_the_wait(rf):
    from django.http import HttpResponse

    from twofa_site.middleware import ErrorPageMiddleware

    def throttled_view(request):
        response = HttpResponse(status=429)
        response["Retry-After"] = "61"
        return response

    request = rf.get("/")
    response = ErrorPageMiddleware(throttled_view)(request)
    assert response.status_code == 429 and response["Retry-After"] == "61"
    assert "please wait 2 minutes before trying again" in response.content.decode()


@pytest.mark.django_db
def test_the_sessions_list_names_browsers_in_the_words_of_the_mails(verified_client):
    from twofactor.locations import describe_browser
    from twofactor.models import UserSession

    agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
    UserSession.objects.update(user_agent=agent)
    page = verified_client.get("/2fa/").content.decode()
    assert describe_browser(agent) == "Safari on macOS" and "Safari on macOS" in page
    assert "AppleWebKit" not in page


@pytest.mark.django_db
def test_the_set_up_page_heading_fits_a_user_who_already_has_a_method(client, totp_user):
    from tests.support.users import sign_in

    user, _device, totp = totp_user
    sign_in(client)
    client.post("/2fa/verify/", {"code": totp.now()})
    page = client.get("/2fa/setup/").content.decode()
    assert "Add another way to confirm it’s you" in page and "Add a second step to your sign-in" not in page
    first = Client()
    make_user("newcomer")
    sign_in(first, "newcomer")
    assert "Add a second step to your sign-in" in first.get("/2fa/setup/").content.decode()


@pytest.mark.django_db
def test_dates_follow_a_time_zone_chosen_without_javascript(verified_client):
    import datetime

    from twofactor.models import SecurityEvent as Event

    Event.objects.update(created_at=datetime.datetime(2026, 12, 4, 14, 2, tzinfo=datetime.UTC))
    assert "Times are shown in UTC." in verified_client.get("/2fa/").content.decode()
    chosen = verified_client.post("/accounts/time-zone/", {"time_zone": "Asia/Tokyo", "next": "/2fa/"})
    assert chosen.status_code == 302 and chosen.url == "/2fa/"
    assert verified_client.cookies["tz"].value == "Asia/Tokyo" and verified_client.cookies["tz_chosen"].value == "1"
    page = verified_client.get("/2fa/").content.decode()
    assert "Times are shown in Asia/Tokyo." in page
    assert "Dec. 4, 2026, 11:02 p.m." in page  # 14:02 UTC, in words a reader of English does not misread
    french = verified_client.get("/2fa/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "4 décembre 2026 23:02" in french
    refused = verified_client.post("/accounts/time-zone/", {"time_zone": "Mars/Olympus", "next": "/2fa/"})
    assert refused.status_code == 200 and verified_client.cookies["tz"].value == "Asia/Tokyo"


@pytest.mark.django_db
def test_method_names_read_as_people_say_them_in_every_language():
    event = SecurityEvent(kind=Kind.SIGNED_IN, data={"method": "backup"})
    sentences = {}
    for language in ("en", "fr", "de", "es"):
        with translation.override(language):
            sentences[language] = activity.describe(event)
    assert sentences == {
        "en": "Signed in with a backup code",
        "fr": "Connexion avec un code de secours",
        "de": "Angemeldet mit einem Backup-Code",
        "es": sentences["es"],
    }
    assert "código de respaldo" in sentences["es"] and "Backup codes" not in " ".join(sentences.values())


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_gets_the_400_page_not_a_500(client):
    # Answered by CommonMiddleware before AuthenticationMiddleware: the page must not need request.user.
    response = client.get("/accounts/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400


@pytest.mark.django_db
def test_seed_demo_names_the_port_the_run_command_serves_on(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8123/accounts/login/" in out.getvalue()
