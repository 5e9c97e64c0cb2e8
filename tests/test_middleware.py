"""TwoFactorMiddleware: a session between its password and its second step reaches only what it needs.

The URL list is read from the project's resolver, so a page or API endpoint added later is
covered without touching this file.
"""

import re
import time
import types
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.urls import URLResolver, get_resolver, resolve

from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import state

#: What the second step needs (spec: verify, rescue, logout; the API's session, send_code, verify, rescue).
ALLOWED_WHILE_VERIFYING = {
    "twofactor:verify",
    "twofactor:rescue",
    "logout",
    "twofactor:logout",  # the app's own sign-out (projects without one)
    "twofactor_api:session",
    "twofactor_api:logout",
    "twofactor_api:send_code",
    "twofactor_api:verify",
    "twofactor_api:rescue",
    "twofactor_api:openapi",
    # The passkey method answers the second step with the browser's signature, posted to its own views.
    "twofactor:verify_passkey",
    "twofactor_api:verify_passkey_begin",
    "twofactor_api:verify_passkey_complete",
    "twofactor:not_you",  # the "Not you?" link of a mail: it only takes access away
    "set_language",  # the footer's language switcher
    "time_zone",  # and its time-zone page (TWOFACTOR_ALLOWED_PATHS)
}
#: What enrolling the first method needs (with the test-only method's set-up step, tests/hardware_token).
ALLOWED_WHILE_SETTING_UP = {
    "twofactor:setup",
    "twofactor:setup_totp",
    "twofactor:setup_email",
    "twofactor:setup_sms",
    "twofactor:setup_hotp",
    "twofactor_api:setup_hotp",
    "twofactor:backup_codes",
    "twofactor:reauthenticate",
    "logout",
    "twofactor:logout",
    "twofactor_api:session",
    "twofactor_api:logout",
    "twofactor_api:reauthenticate",
    "twofactor_api:devices",
    "twofactor_api:setup_totp",
    "twofactor_api:setup_email",
    "twofactor_api:setup_sms",
    "twofactor_api:setup_confirm",
    "twofactor_api:openapi",
    "twofactor:not_you",
    "twofactor:setup_passkey",
    "twofactor_api:setup_passkey_begin",
    "twofactor_api:setup_passkey_complete",
    "set_language",
    "time_zone",
}

SAMPLE_ARGUMENTS = {"method": "totp", "uidb64": "MQ", "token": "set-password"}


def _sample_path(route: str) -> str:
    """A concrete path for a route or regex of the resolver."""
    path = re.sub(r"\(\?P<app_label>[^)]*\)", "twofactor", route)
    path = re.sub(r"\(\?P<\w+>\.\*\)", "nothing-here/", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: SAMPLE_ARGUMENTS.get(match.group(1), "1"), path)
    path = path.replace(".*", "nothing-here").replace("^", "").replace("$", "")
    return "/" + path


def _project_urls() -> list[tuple[str, str]]:
    """(path, view name) for every URL pattern of the project."""
    found = []

    def walk(resolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            else:
                path = _sample_path(prefix + str(pattern.pattern))
                found.append((path, resolve(path).view_name))

    walk(get_resolver(), "")
    return sorted(set(found))


PROJECT_URLS = _project_urls()


def test_the_url_list_covers_pages_admin_twofactor_and_api():
    paths = [path for path, _name in PROJECT_URLS]
    for prefix in ("/", "/accounts/", "/2fa/", "/admin/", "/api/v1/"):
        assert any(path.startswith(prefix) for path in paths), prefix
    assert len(PROJECT_URLS) > 40


@pytest.fixture
def pending_client(client, db):
    """A client whose user has an authenticator and gave only the password."""
    user = make_user(is_staff=True, is_superuser=True)  # staff, so nothing but the middleware stands in the way
    add_totp(user)
    sign_in(client)
    return client


@pytest.fixture
def setup_client(client, db, settings):
    """A client whose user has no method, on a site that requires one."""
    settings.TWOFACTOR_REQUIRED = "all"
    make_user(is_staff=True, is_superuser=True)
    sign_in(client)
    return client


@pytest.fixture
def setup_client_factory(client_factory, settings):
    """Make a browser of another user with no method, on a site that requires one."""

    def make():
        settings.TWOFACTOR_REQUIRED = "all"
        make_user("newcomer")
        browser = client_factory()
        sign_in(browser, "newcomer")
        return browser

    return make


def _blocked_to(response, target: str) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path == target


def _json_401(response) -> bool:
    return (
        response.status_code == 401
        and response["Content-Type"].startswith("application/json")
        and response.json()["error"]["code"] == "two_factor_required"
    )


#: Allowed, but they end the session; tested on their own below.
SIGN_OUT_VIEWS = {"logout", "twofactor:logout", "twofactor_api:logout"}


def _check_every_url(client, allowed: set[str], target: str) -> None:
    client.raise_request_exception = False
    problems = []
    for path, name in PROJECT_URLS:
        if name in SIGN_OUT_VIEWS:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {path} ({name}): server error {response.status_code}")
            elif name in allowed:
                if _blocked_to(response, target) or response.status_code == 401 and _json_401(response):
                    problems.append(f"{method.upper()} {path} ({name}) should be reachable")
            elif name.startswith("twofactor_api:"):
                if not _json_401(response):
                    problems.append(f"{method.upper()} {path} ({name}): {response.status_code}, not a JSON 401")
            elif not _blocked_to(response, target):
                problems.append(f"{method.upper()} {path} ({name}): {response.status_code}, not sent to {target}")
    assert not problems, "\n".join(problems)


def test_a_pending_sign_in_reaches_only_the_second_step(pending_client):
    _check_every_url(pending_client, ALLOWED_WHILE_VERIFYING, "/2fa/verify/")


def test_a_session_that_must_set_up_reaches_only_the_enrolment(setup_client):
    _check_every_url(setup_client, ALLOWED_WHILE_SETTING_UP, "/2fa/setup/")


@pytest.mark.parametrize("fixture", ["pending_client", "setup_client"])
def test_a_pending_session_can_sign_out(request, fixture):
    client = request.getfixturevalue(fixture)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert client.get("/").url.startswith("/accounts/login/")


@pytest.mark.parametrize("fixture", ["pending_client", "setup_client"])
def test_a_pending_session_can_sign_out_through_the_api(request, fixture):
    client = request.getfixturevalue(fixture)
    assert client.post("/api/v1/logout", "{}", content_type="application/json").status_code == 200
    assert client.get("/").url.startswith("/accounts/login/")


def test_the_redirect_keeps_where_the_user_was_going(pending_client):
    response = pending_client.get("/2fa/?tab=1")
    assert response.status_code == 302
    parts = urlsplit(response.url)
    assert parts.path == "/2fa/verify/" and parse_qs(parts.query)["next"] == ["/2fa/?tab=1"]


def test_a_json_request_to_a_page_gets_a_json_401(pending_client):
    response = pending_client.get("/2fa/", HTTP_ACCEPT="application/json")
    assert _json_401(response)


def test_the_json_401_says_which_step_is_missing(pending_client, setup_client_factory):
    response = pending_client.get("/2fa/", HTTP_ACCEPT="application/json")
    assert response.json()["error"]["message"] == "Complete the second sign-in step first."
    response = setup_client_factory().get("/2fa/", HTTP_ACCEPT="application/json")
    assert _json_401(response)
    assert response.json()["error"]["message"] == "Set up a two-factor method to continue."


def test_a_browser_that_also_accepts_json_is_redirected_like_any_browser(pending_client):
    response = pending_client.get("/2fa/", HTTP_ACCEPT="text/html,application/xhtml+xml,application/json;q=0.9")
    assert response.status_code == 302 and response.url.startswith("/2fa/verify/")


def test_a_post_is_sent_to_the_second_step_without_a_next(pending_client):
    response = pending_client.post("/2fa/")
    assert response.status_code == 302 and response.url == "/2fa/verify/"


def test_static_files_are_reachable(pending_client):
    assert not _blocked_to(
        pending_client.get("/" + django_settings.STATIC_URL.lstrip("/") + "css/site.css"), "/2fa/verify/"
    )


def test_a_verified_session_reaches_everything(verified_client):
    for path in ("/", "/2fa/", "/2fa/backup-codes/"):
        assert verified_client.get(path).status_code == 200, path
    assert verified_client.get("/api/v1/2fa/devices").status_code == 200


def test_anonymous_requests_are_left_to_the_views(client, db):
    response = client.get("/2fa/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# TWOFACTOR_REQUIRED: who must set up a method


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "staff", "must_set_up"),
    [
        ("all", False, True),
        ("all", True, True),
        ("staff", False, False),
        ("staff", True, True),
        ("optional", False, False),
        ("optional", True, False),
    ],
)
def test_required_policy_without_a_method(client, settings, policy, staff, must_set_up):
    settings.TWOFACTOR_REQUIRED = policy
    make_user(is_staff=staff)
    sign_in(client)
    response = client.get("/")
    if must_set_up:
        assert _blocked_to(response, "/2fa/setup/")
        assert state.read(_request_of(client)).state == state.SETUP
    else:
        assert response.status_code == 200
        assert state.read(_request_of(client)).state == state.NONE


@pytest.mark.django_db
def test_a_superuser_who_is_not_staff_counts_as_staff(client, settings):
    settings.TWOFACTOR_REQUIRED = "staff"
    make_user(is_superuser=True)
    sign_in(client)
    assert _blocked_to(client.get("/"), "/2fa/setup/")


def test_paths_listed_in_allowed_paths_are_reachable_before_the_second_step(pending_client, settings):
    settings.TWOFACTOR_ALLOWED_PATHS = ["/accounts/password/reset/"]
    assert pending_client.get("/accounts/password/reset/").status_code == 200
    assert _blocked_to(pending_client.get("/accounts/password/change/"), "/2fa/verify/")


@pytest.mark.django_db
@pytest.mark.parametrize("policy", ["all", "staff", "optional"])
def test_a_user_with_a_method_always_gives_a_code(client, settings, policy):
    settings.TWOFACTOR_REQUIRED = policy
    add_totp(make_user())
    sign_in(client)
    assert _blocked_to(client.get("/"), "/2fa/verify/")


def _request_of(client):
    """A stand-in request holding the client's session, for reading the two-factor state."""
    engine = import_module(django_settings.SESSION_ENGINE)
    return types.SimpleNamespace(session=engine.SessionStore(client.cookies[django_settings.SESSION_COOKIE_NAME].value))


# The pending sign-in expires


def _clock_ahead(monkeypatch, seconds: float) -> None:
    real = time.time
    monkeypatch.setattr(state.sign_in, "time", types.SimpleNamespace(time=lambda: real() + seconds))


def test_a_pending_sign_in_is_good_for_almost_ten_minutes(pending_client, monkeypatch):
    _clock_ahead(monkeypatch, 9 * 60 + 50)
    assert _blocked_to(pending_client.get("/"), "/2fa/verify/")
    assert pending_client.get("/2fa/verify/").status_code == 200


def test_a_pending_sign_in_expires_after_ten_minutes(pending_client, monkeypatch):
    _clock_ahead(monkeypatch, 10 * 60 + 5)
    response = pending_client.get("/2fa/verify/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert re.search(
        r">\s*Your sign-in expired\. Please sign in again\.\s*<", pending_client.get(response.url).content.decode()
    )
    # Signed out: the session is anonymous now, the clock no longer matters.
    monkeypatch.undo()
    response = pending_client.get("/2fa/verify/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_expired_sign_in_cannot_be_completed_with_a_code(client, totp_user, monkeypatch):
    _user, _device, totp = totp_user
    sign_in(client)
    _clock_ahead(monkeypatch, 11 * 60)
    response = client.post("/2fa/verify/", {"code": totp.now()})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    monkeypatch.undo()
    assert client.get("/").url.startswith("/accounts/login/")


def test_an_expired_sign_in_answers_json_with_401(pending_client, monkeypatch):
    _clock_ahead(monkeypatch, 11 * 60)
    response = pending_client.get("/api/v1/session")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "sign_in_expired"


def test_the_expiry_setting_is_honoured(pending_client, monkeypatch, settings):
    settings.TWOFACTOR_PENDING_SIGN_IN_SECONDS = 60
    _clock_ahead(monkeypatch, 61)
    assert pending_client.get("/").url.startswith("/accounts/login/")


# The verify step


def test_the_session_key_is_rotated_at_verify(client, totp_user):
    _user, _device, totp = totp_user
    sign_in(client)
    before = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.post("/2fa/verify/", {"code": totp.now()}).status_code == 302
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert before != after
    store = import_module(django_settings.SESSION_ENGINE).SessionStore
    assert not store().exists(before)
    assert state.read(_request_of(client)).verified


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "http://evil.example",
        "/\\evil.example",
        "https:evil.example",
        "0",
        "home",
        "2fa/",
        ".",
    ],
)
def test_an_unsafe_next_is_ignored(client, totp_user, unsafe):
    _user, _device, totp = totp_user
    sign_in(client)
    response = client.post("/2fa/verify/?next=" + unsafe, {"code": totp.now(), "next": unsafe})
    assert response.status_code == 302
    assert response.url == "/"


def test_a_safe_next_is_followed(client, totp_user):
    _user, _device, totp = totp_user
    sign_in(client)
    response = client.post("/2fa/verify/", {"code": totp.now(), "next": "/2fa/backup-codes/"})
    assert response.status_code == 302 and response.url == "/2fa/backup-codes/"


@pytest.mark.parametrize("unsafe", ["//evil.example/", "0", "admin:index"])
def test_the_verify_page_of_a_verified_session_goes_on_safely(verified_client, unsafe):
    response = verified_client.get("/2fa/verify/", {"next": unsafe})
    assert response.status_code == 302 and response.url == "/"


def test_user_is_verified_and_otp_device_are_set_for_django_otp(verified_client, totp_user):
    _user, device, _totp = totp_user
    response = verified_client.get("/")
    request = response.wsgi_request
    assert request.user.is_verified()
    assert request.user.otp_device == device


def test_a_pending_session_is_not_verified_for_django_otp(pending_client):
    response = pending_client.get("/2fa/verify/")
    assert response.wsgi_request.user.is_verified() is False
    assert response.wsgi_request.user.otp_device is None


def test_a_verified_record_is_never_reused_for_another_user_named_by_the_session(verified_client, totp_user):
    """The session's two-factor record counts only for the user it was made for.

    Should the session's auth keys come to name another user (an impersonation tool, a custom login
    that forgets to flush), that user starts their own second step instead of inheriting "verified".
    """
    bob = make_user("bob")
    add_totp(bob)
    session = verified_client.session
    assert session[state.SESSION_KEY]["state"] == state.VERIFIED
    session["_auth_user_id"] = str(bob.pk)
    session["_auth_user_hash"] = bob.get_session_auth_hash()
    session.save()

    response = verified_client.get("/")
    assert response.status_code == 302 and response.url.startswith("/2fa/verify/")
    assert response.wsgi_request.user == bob
    assert response.wsgi_request.user.is_verified() is False
    record = verified_client.session[state.SESSION_KEY]
    assert record["user_id"] == bob.pk and record["state"] == state.VERIFY


def test_choosing_a_method_one_does_not_have_is_refused_with_a_plain_message(pending_client):
    response = pending_client.post("/2fa/verify/", {"action": "use", "method": "sms"}, follow=True)
    assert re.search(r">\s*Choose one of your two-factor methods\.\s*<", response.content.decode())
    assert pending_client.session[state.SESSION_KEY]["method"] == "totp"


def test_a_sign_in_signalled_without_a_request_is_left_alone(user):
    """A shell or a test may send user_logged_in with request=None (or a request without a session): the
    two-factor receiver raises nothing and records nothing (no session row, no event, no known browser, no mail)."""
    from django.apps import apps
    from django.contrib.auth.signals import user_logged_in
    from django.core import mail

    from twofactor.receivers import on_login

    for request in (None, types.SimpleNamespace()):
        answers = dict(user_logged_in.send(sender=type(user), request=request, user=user))
        assert on_login in answers and answers[on_login] is None
    for model in apps.get_app_config("twofactor").get_models():
        assert not model.objects.exists(), f"{model.__name__} has a row"
    assert mail.outbox == []


@pytest.mark.parametrize("has_method", [True, False], ids=["verify", "setup"])
def test_a_password_only_session_can_use_the_footers_language_switcher(client, db, settings, has_method):
    """The second step's and the set-up page's footer offers the language switcher: it works there too."""
    settings.TWOFACTOR_REQUIRED = "all"
    user = make_user()
    if has_method:
        add_totp(user)
    sign_in(client)
    page = "/2fa/verify/" if has_method else "/2fa/setup/"
    response = client.post("/i18n/setlang/", {"language": "fr", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert response.cookies["django_language"].value == "fr"
    assert '<html lang="fr">' in client.get(page).content.decode()


def test_an_unknown_address_is_no_way_around_the_second_step(pending_client):
    """A pending session asking for a page that does not exist is sent to the second step, not shown a 404."""
    response = pending_client.get("/no-such-page/")
    assert _blocked_to(response, "/2fa/verify/")
