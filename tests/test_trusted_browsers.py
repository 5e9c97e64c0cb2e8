"""Trusted browsers as their owner and staff see them: the list on /2fa/, "Revoke" and "Revoke all", the API, the
admin (never a token or its hash)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from tests.support.authenticator_clock import AuthenticatorClock
from tests.support.devices import add_totp
from tests.support.users import make_user, sign_in
from twofactor import remember
from twofactor.models import SecurityEvent, TrustedBrowser

Kind = SecurityEvent.Kind
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def codes(db, monkeypatch):
    """alice with an authenticator app; codes() gives a fresh code each call."""
    user = make_user()
    _device, totp = add_totp(user)
    clock = AuthenticatorClock(monkeypatch)
    return lambda: clock.code(totp)


def remembered(codes, agent: str, address: str, username: str = "alice") -> Client:
    """A browser that signed in with a code and ticked "remember this browser" (still signed in)."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    sign_in(client, username)
    assert client.post("/2fa/verify/", {"code": codes(), "remember": "on"}).status_code == 302
    return client


def asked_for_a_code(client: Client) -> bool:
    client.post("/accounts/logout/")
    sign_in(client)
    response = client.get("/")
    return response.status_code == 302 and response.url.startswith("/2fa/verify/")


# The list on /2fa/


def test_the_list_says_each_browser_in_words_with_its_network_and_marks_this_one(codes):
    phone = remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    page = laptop.get("/2fa/").content.decode()
    card = page[page.index("data-trusted-browsers") :]
    assert "Browsers that skip the second step" in card
    assert "Firefox on Windows <strong>(this browser)</strong>" in card
    assert "Safari on iOS" in card and "Safari on iOS <strong>" not in card
    assert "from the network 203.0.113.0/24" in card and "from the network 198.51.100.0/24" in card
    assert card.count(">Revoke</button>") == 2 and ">Revoke all</button>" in card
    assert phone.cookies[remember.COOKIE_NAME].value not in page
    assert not any(record.token_hash in page for record in TrustedBrowser.objects.all())
    # It stands beside "Where you are signed in".
    assert page.index("data-sessions") < page.index("data-trusted-browsers") < page.index("Recent security activity")


def test_revoke_asks_that_browser_for_a_code_and_leaves_the_others(codes):
    phone = remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get(browser="Safari")
    response = laptop.post(f"/2fa/trusted-browsers/{record.pk}/revoke/")
    assert response.status_code == 302 and response.url == "/2fa/"
    assert "That browser will be asked for a code at its next sign-in." in laptop.get("/2fa/").content.decode()
    assert asked_for_a_code(phone)
    assert not asked_for_a_code(laptop)
    event = SecurityEvent.objects.get(kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert event.data == {"count": 1, "reason": "revoked", "browser": "Safari", "system": "iOS"}
    assert event.ip == "203.0.113.77"


def test_revoke_all_asks_every_browser_for_a_code(codes):
    phone = remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    assert laptop.post("/2fa/trusted-browsers/revoke-all/").url == "/2fa/"
    assert "2 browsers are no longer remembered" in laptop.get("/2fa/").content.decode()
    assert asked_for_a_code(phone) and asked_for_a_code(laptop)
    assert SecurityEvent.objects.get(kind=Kind.TRUSTED_BROWSERS_REVOKED).data == {"count": 2, "reason": "revoked"}


def test_nobody_revokes_another_users_browser(codes, monkeypatch):
    remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    alices = TrustedBrowser.objects.get()
    bob = make_user("bob")
    _device, totp = add_totp(bob)
    client = Client()
    sign_in(client, "bob")
    client.post("/2fa/verify/", {"code": AuthenticatorClock(monkeypatch).code(totp)})
    response = client.post(f"/2fa/trusted-browsers/{alices.pk}/revoke/", follow=True)
    assert "That browser is not remembered." in response.content.decode()
    client.post("/2fa/trusted-browsers/revoke-all/")
    assert TrustedBrowser.objects.filter(pk=alices.pk).exists()
    assert not SecurityEvent.objects.filter(kind=Kind.TRUSTED_BROWSERS_REVOKED).exists()


def test_revoking_needs_a_post_with_the_csrf_token(codes):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get()
    assert laptop.get(f"/2fa/trusted-browsers/{record.pk}/revoke/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = laptop.cookies
    assert strict.post(f"/2fa/trusted-browsers/{record.pk}/revoke/").status_code == 403
    assert strict.post("/2fa/trusted-browsers/revoke-all/").status_code == 403
    assert TrustedBrowser.objects.filter(pk=record.pk).exists()


def test_a_session_waiting_for_its_code_cannot_revoke(codes):
    remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    record = TrustedBrowser.objects.get()
    pending = Client()
    sign_in(pending)
    response = pending.post(f"/2fa/trusted-browsers/{record.pk}/revoke/")
    assert response.status_code == 302 and response.url.startswith("/2fa/verify/")
    assert TrustedBrowser.objects.filter(pk=record.pk).exists()


def test_expired_browsers_leave_the_list_with_an_event(codes):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    TrustedBrowser.objects.update(expires_at=timezone.now())
    page = laptop.get("/2fa/").content.decode()
    assert "No browser is remembered." in page
    assert "Firefox on Windows no longer remembered: its time is up" in page  # the security activity
    assert not TrustedBrowser.objects.exists()


def test_the_card_is_left_out_where_remembering_is_off(codes, settings):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    settings.TWOFACTOR_REMEMBER_DAYS = 0
    assert "data-trusted-browsers" not in laptop.get("/2fa/").content.decode()


# The API


def api(client: Client, method: str, path: str):
    client.get("/api/v1/session")
    return getattr(client, method.lower())(
        f"/api/v1{path}", content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )


def test_the_api_lists_trusted_browsers_without_tokens(codes):
    remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    response = api(laptop, "GET", "/2fa/trusted-browsers")
    assert response.status_code == 200
    listed = response.json()["trusted_browsers"]
    assert [item["browser"] for item in listed] == ["Firefox on Windows", "Safari on iOS"]
    assert [item["this_browser"] for item in listed] == [True, False]
    assert listed[0]["network"] == "203.0.113.0/24" and listed[0]["method"] == "totp"
    assert set(listed[0]) == {
        "id",
        "browser",
        "network",
        "method",
        "this_browser",
        "created_at",
        "last_used_at",
        "expires_at",
    }
    assert laptop.cookies[remember.COOKIE_NAME].value not in response.content.decode()


def test_the_api_revokes_one_then_all(codes):
    phone = remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get(browser="Safari")
    response = api(laptop, "DELETE", f"/2fa/trusted-browsers/{record.pk}")
    assert response.status_code == 200
    assert [item["browser"] for item in response.json()["trusted_browsers"]] == ["Firefox on Windows"]
    again = api(laptop, "DELETE", f"/2fa/trusted-browsers/{record.pk}")
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    assert api(laptop, "DELETE", "/2fa/trusted-browsers").json() == {"trusted_browsers": []}
    assert asked_for_a_code(phone) and asked_for_a_code(laptop)


def test_the_api_refuses_a_revocation_without_the_csrf_header(codes):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = laptop.cookies
    record = TrustedBrowser.objects.get()
    response = strict.delete(f"/api/v1/2fa/trusted-browsers/{record.pk}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    assert strict.delete("/api/v1/2fa/trusted-browsers").status_code == 403
    assert TrustedBrowser.objects.exists()


def test_the_api_needs_a_verified_session(codes):
    remembered(codes, SAFARI_ON_IPHONE, "198.51.100.23")
    assert Client().get("/api/v1/2fa/trusted-browsers").status_code == 401
    pending = Client()
    sign_in(pending)
    response = pending.get("/api/v1/2fa/trusted-browsers")
    assert response.status_code == 401 and response.json()["error"]["code"] == "two_factor_required"


def test_an_id_that_is_not_a_number_is_not_found(codes):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    assert api(laptop, "DELETE", "/2fa/trusted-browsers/abc").status_code == 404


# The admin


def staff_client(*perms: str, monkeypatch) -> Client:
    staff = make_user("staff", is_staff=True)
    for perm in perms:
        app_label, codename = perm.split(".")
        staff.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    _device, totp = add_totp(staff)
    client = Client()
    sign_in(client, "staff")
    assert client.post("/2fa/verify/", {"code": AuthenticatorClock(monkeypatch).code(totp)}).status_code == 302
    return client


def test_staff_see_a_users_trusted_browsers_but_never_a_token(codes, monkeypatch):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get()
    client = staff_client("twofactor.view_trustedbrowser", "accounts.view_user", monkeypatch=monkeypatch)
    listing = client.get("/admin/twofactor/trustedbrowser/").content.decode()
    detail = client.get(f"/admin/twofactor/trustedbrowser/{record.pk}/change/").content.decode()
    user_page = client.get(f"/admin/accounts/user/{record.user_id}/change/").content.decode()
    for page in (listing, detail, user_page):
        assert "Firefox on Windows" in page and "203.0.113.0/24" in page
        assert record.token_hash not in page and record.password_fingerprint not in page
        assert laptop.cookies[remember.COOKIE_NAME].value not in page
    assert "Browsers that skip the second step" in user_page
    # Staff who may only look cannot revoke.
    assert "revoke" not in listing
    assert client.post(f"/admin/twofactor/trustedbrowser/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TrustedBrowser.objects.exists()


def test_staff_revoke_a_browser_with_the_list_action_and_it_is_recorded(codes, monkeypatch):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get()
    client = staff_client("twofactor.delete_trustedbrowser", monkeypatch=monkeypatch)
    listing = client.get("/admin/twofactor/trustedbrowser/").content.decode()
    assert "delete_selected" not in listing
    response = client.post(
        "/admin/twofactor/trustedbrowser/", {"action": "revoke", "_selected_action": [record.pk], "index": 0}
    )
    assert response.status_code == 302
    assert not TrustedBrowser.objects.exists()
    event = SecurityEvent.objects.get(kind=Kind.TRUSTED_BROWSERS_REVOKED)
    assert event.user.username == "alice"
    assert event.data == {
        "count": 1,
        "reason": "staff",
        "browser": "Firefox",
        "system": "Windows",
        "actor": event.data["actor"],
        "actor_name": "staff",
    }
    assert asked_for_a_code(laptop)


def test_staff_revoke_a_browser_from_the_users_page(codes, monkeypatch):
    laptop = remembered(codes, FIREFOX_ON_WINDOWS, "203.0.113.77")
    record = TrustedBrowser.objects.get()
    client = staff_client("twofactor.delete_trustedbrowser", "accounts.change_user", monkeypatch=monkeypatch)
    url = f"/admin/accounts/user/{record.user_id}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(
        {
            "date_joined_0": form.initial["date_joined"].strftime("%Y-%m-%d"),
            "date_joined_1": form.initial["date_joined"].strftime("%H:%M:%S"),
            "groups": [],
            "user_permissions": [],
        }
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("password", None)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data.update({f"{prefix}-{key}": value for key, value in management.initial.items()})
        for index, inline_form in enumerate(formset.formset.forms):
            data[f"{prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{prefix}-{index}-user"] = record.user_id
            if inline_form.instance.__class__ is TrustedBrowser:
                data[f"{prefix}-{index}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert not TrustedBrowser.objects.exists()
    assert SecurityEvent.objects.get(kind=Kind.TRUSTED_BROWSERS_REVOKED).data["reason"] == "staff"
    assert asked_for_a_code(laptop)
