"""Issue 24 over HTTP against gunicorn: who must use two-factor, the grace period and its banner, reminders,
step-up. One server, configured as a site adopting two-factor group by group: TWOFACTOR_REQUIRED=optional,
TWOFACTOR_REQUIRED_GROUPS=Finance, TWOFACTOR_GRACE_DAYS=14.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.support.live_server import Browser, LiveServer
from twofactor.models import EnrolmentDeadline

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "owner-password-1234"


@pytest.fixture(scope="module")
def site(tmp_path_factory, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = LiveServer(
            tmp_path_factory.mktemp("live-policy"),
            TWOFACTOR_REQUIRED="optional",
            TWOFACTOR_REQUIRED_GROUPS="Finance",
            TWOFACTOR_GRACE_DAYS="14",
        )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _live_hasher(settings, site):
    settings.PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]
    site.clear_outboxes()


@pytest.fixture
def finance(db):
    return Group.objects.create(name="Finance")


def make_user(username: str, **extra):
    return get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


def signed_in(site: LiveServer, username: str) -> Browser:
    browser = Browser(site)
    assert browser.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return browser


def banner_days(page: str) -> int | None:
    found = re.search(r'class="grace-banner"[^>]*data-days-left="(\d+)"', page)
    return int(found.group(1)) if found else None


def test_a_user_added_to_a_required_group_is_sent_to_set_up_after_the_grace_period_and_not_before(site, finance):
    user = make_user("clerk")
    browser = signed_in(site, "clerk")
    home = browser.get("/")
    assert home.status_code == 200 and banner_days(home.text) is None  # not required yet: no banner
    assert browser.state()["two_factor"] == {**browser.state()["two_factor"], "required": False, "state": "none"}

    user.groups.add(finance)  # staff add the user to the group while the user is signed in
    home = browser.get("/")
    assert home.status_code == 200 and banner_days(home.text) == 14  # not before the deadline
    deadline = EnrolmentDeadline.objects.get(user=user).deadline
    two_factor = browser.state()["two_factor"]
    assert two_factor["state"] == "grace" and two_factor["required"] is True
    assert two_factor["deadline"] == deadline.isoformat() and two_factor["days_left"] == 14
    assert browser.get("/2fa/").status_code == 200

    # The last second of the grace period: still in.
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(seconds=30))
    assert browser.get("/").status_code == 200
    # The deadline passed: every page sends the user to set-up, the API says so.
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() - timedelta(seconds=1))
    home = browser.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/2fa/setup/?next=%2F"
    assert browser.get("/2fa/").headers["Location"].startswith("/2fa/setup/")
    assert browser.state()["two_factor"]["state"] == "setup"
    assert browser.api("GET", "/2fa/devices").status_code == 200  # what set-up needs stays reachable
    # A new sign-in after the deadline goes straight to set-up too.
    again = signed_in(site, "clerk")
    assert again.get("/").headers["Location"].startswith("/2fa/setup/")


def test_the_banner_shows_the_days_left_on_every_page(site, finance):
    user = make_user("banker")
    user.groups.add(finance)
    browser = signed_in(site, "banker")
    for path in ("/", "/2fa/", "/accounts/password/change/"):
        page = browser.get(path)
        assert page.status_code == 200 and banner_days(page.text) == 14, path
        assert "set it up within 14 days" in page.text and 'href="/2fa/setup/?next=' in page.text
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(days=6, hours=1))
    assert banner_days(browser.get("/").text) == 7
    EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(hours=20))
    page = browser.get("/").text
    assert banner_days(page) == 1 and "set it up within 1 day," in page
    # In French, the banner speaks French.
    browser.http.cookies.set("django_language", "fr")
    assert "Configurer maintenant" in browser.get("/").text


def test_the_reminder_command_run_twice_sends_each_reminder_once_in_the_users_language(site, finance):
    """Three users in grace: 6 days left (the 7-day point), 2 days (the 3-day point), 20 days (none yet)."""
    reminded = {}
    for name, days, language in (("anna", 6, "fr"), ("bert", 2, "de"), ("carl", 20, "en")):
        user = make_user(name)
        user.groups.add(finance)
        browser = signed_in(site, name)
        browser.http.cookies.set("django_language", language)
        assert browser.get("/").status_code == 200  # seen required: the deadline is set, in the page's language
        EnrolmentDeadline.objects.filter(user=user).update(deadline=timezone.now() + timedelta(days=days, hours=-1))
        reminded[name] = browser
    with_method = make_user("dora")  # in grace once, has a method now: never reminded
    EnrolmentDeadline.objects.create(user=with_method, deadline=timezone.now() + timedelta(days=2))
    from tests.support.devices import add_totp

    add_totp(with_method)

    variables = {"TWOFACTOR_SITE_URL": site.url}
    assert "Sent 2 reminder(s)" in site.manage("twofactor_send_reminders", "--skip-checks", **variables)
    assert "Sent 0 reminder(s)" in site.manage("twofactor_send_reminders", "--skip-checks", **variables)
    anna, bert = site.mails_to("anna@example.com"), site.mails_to("bert@example.com")
    assert len(anna) == 1 and len(bert) == 1
    assert not site.mails_to("carl@example.com") and not site.mails_to("dora@example.com")
    assert "6 jours" in anna[0] and "2 Tage" in bert[0]
    link = re.search(r"(http://127\.0\.0\.1:\d+/2fa/setup/)", anna[0]).group(1)
    assert link == f"{site.url}/2fa/setup/"
    assert reminded["anna"].get("/2fa/setup/").status_code == 200  # the link opens set-up

    # A day later for bert (1 day left): the 1-day point is new, mailed once.
    EnrolmentDeadline.objects.filter(user__username="bert").update(deadline=timezone.now() + timedelta(hours=20))
    assert "Sent 1 reminder(s)" in site.manage("twofactor_send_reminders", "--skip-checks", **variables)
    assert "Sent 0 reminder(s)" in site.manage("twofactor_send_reminders", "--skip-checks", **variables)
    assert len(site.mails_to("bert@example.com")) == 2
