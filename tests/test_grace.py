"""The grace period (twofactor.grace): a deadline per user, the banner, the session shape, and its limits."""

from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.api_client import ApiClient
from tests.support.devices import add_totp
from tests.support.users import PASSWORD, make_user, sign_in
from twofactor import flows
from twofactor.models import EnrolmentDeadline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_weeks_of_grace(settings):
    settings.TWOFACTOR_REQUIRED = "all"
    settings.TWOFACTOR_GRACE_DAYS = 14


def _banner_days(client: Client) -> int | None:
    page = client.get("/").content.decode()
    if 'class="grace-banner"' not in page:
        return None
    return int(page.split('data-days-left="', 1)[1].split('"', 1)[0])


def test_a_required_user_without_a_method_goes_on_with_a_banner_and_a_stored_deadline():
    user = make_user()
    client = Client()
    before = timezone.now()
    sign_in(client)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "set it up within 14 days" in page and 'href="/2fa/setup/?next=/"' in page and "Set it up now" in page
    record = EnrolmentDeadline.objects.get(user=user)
    assert before + timedelta(days=14) <= record.deadline <= timezone.now() + timedelta(days=14)
    assert record.language == "en"


def test_the_banner_counts_the_days_left_from_the_stored_deadline():
    user = make_user()
    client = Client()
    sign_in(client)
    assert _banner_days(client) == 14
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(days=2, hours=3))
    assert _banner_days(client) == 3  # a part of a day counts as one
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(hours=5))
    page = client.get("/").content.decode()
    assert "set it up within 1 day," in page


def test_the_api_says_grace_with_the_deadline():
    user = make_user()
    api = ApiClient()
    session = api.login("alice", PASSWORD)
    record = EnrolmentDeadline.objects.get(user=user)
    assert session["two_factor"]["state"] == "grace"
    assert session["two_factor"]["deadline"] == record.deadline.isoformat()
    assert session["two_factor"]["days_left"] == 14
    assert session["verified"] is False


def test_the_deadline_is_set_once_and_kept_across_sign_ins():
    user = make_user()
    sign_in(Client())
    first = EnrolmentDeadline.objects.get(user=user).deadline
    sign_in(Client())
    assert EnrolmentDeadline.objects.get(user=user).deadline == first


def test_after_the_deadline_the_middleware_sends_the_user_to_set_up():
    """The deadline check: remove it and the user goes on for ever."""
    user = make_user()
    client = Client()
    sign_in(client)
    assert client.get("/").status_code == 200
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/2fa/setup/?next=%2F"
    assert ApiClient_session_state(client) == "setup"


def ApiClient_session_state(client: Client) -> str:
    return client.get("/api/v1/session").json()["two_factor"]["state"]


def test_a_deadline_staff_moved_later_applies_at_the_next_request():
    user = make_user()
    client = Client()
    sign_in(client)
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(days=5))
    assert _banner_days(client) == 5  # back in grace, without signing in again


def test_an_account_with_a_method_gets_no_grace_even_with_a_deadline_ahead():
    """The rule "has a method, no grace": the password alone must never get past the second step."""
    user = make_user()
    EnrolmentDeadline.objects.create(user=user, deadline=timezone.now() + timedelta(days=10))
    add_totp(user)
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "verify"
    client = Client()
    sign_in(client)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/2fa/verify/")


def test_staff_can_be_given_no_grace(settings):
    settings.TWOFACTOR_STAFF_GRACE_DAYS = 0
    make_user("boss", is_staff=True)
    make_user("clerk")
    staff, clerk = Client(), Client()
    sign_in(staff, "boss")
    sign_in(clerk, "clerk")
    assert staff.get("/")["Location"].startswith("/2fa/setup/")
    assert clerk.get("/").status_code == 200


def test_no_grace_days_means_set_up_at_once_and_nothing_stored(settings):
    settings.TWOFACTOR_GRACE_DAYS = 0
    make_user()
    client = Client()
    sign_in(client)
    assert client.get("/")["Location"].startswith("/2fa/setup/")
    assert not EnrolmentDeadline.objects.exists()


def test_a_staff_reset_ends_the_grace_period(settings):
    user = make_user()
    add_totp(user)
    EnrolmentDeadline.objects.create(user=user, deadline=timezone.now() + timedelta(days=10))
    flows.reset_user(user)
    client = Client()
    sign_in(client)
    assert client.get("/")["Location"].startswith("/2fa/setup/")  # as the reset mail says


def test_a_method_set_up_in_grace_ends_the_grace_of_every_session():
    make_user()
    other = Client()
    sign_in(other)
    assert _banner_days(other) == 14
    api = ApiClient()
    assert api.login("alice", PASSWORD)["two_factor"]["state"] == "grace"
    totp = pyotp.parse_uri(api.post("/2fa/setup/totp", {}).json()["otpauth_uri"])
    confirmed = api.post("/2fa/setup/confirm", {"code": totp.now()}).json()
    assert confirmed["session"]["two_factor"]["state"] == "none" and confirmed["session"]["verified"] is True
    assert other.get("/")["Location"].startswith("/accounts/login/")  # the password-only session ended


def test_a_session_in_grace_pays_one_query_for_its_deadline_and_a_verified_one_none():
    make_user()
    client = Client()
    sign_in(client)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert sum("twofactor_enrolmentdeadline" in query["sql"] for query in captured.captured_queries) == 1


def test_the_banner_is_not_shown_outside_grace(settings, verified_client):
    assert 'class="grace-banner"' not in verified_client.get("/").content.decode()


def test_the_home_page_says_verified_only_to_a_verified_session(verified_client):
    assert "your session is verified" in verified_client.get("/").content.decode()
    make_user("bob")
    in_grace = Client()
    sign_in(in_grace, "bob")
    page = in_grace.get("/").content.decode()
    assert "your session is verified" not in page
    assert "with your password only" in page
