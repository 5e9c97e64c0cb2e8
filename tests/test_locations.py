"""twofactor.locations.record_sign_in: one statement on PostgreSQL and SQLite, the same answers as the portable path."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from twofactor import locations
from twofactor.models import KnownLocation

from .support.users import make_user

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _from(address: str):
    return RequestFactory().get("/", REMOTE_ADDR=address, HTTP_USER_AGENT=FIREFOX)


@pytest.fixture(params=["one statement", "portable"])
def path(request, monkeypatch):
    if request.param == "portable":
        monkeypatch.setattr(locations, "_upsert", lambda user_id, location: None)
    return request.param


def test_the_first_place_is_recorded_quietly_and_only_a_new_place_after_it_is_new(db, path):
    user = make_user()
    assert not locations.record_sign_in(user, _from("203.0.113.10"))  # the account's first: recorded, not news
    assert not locations.record_sign_in(user, _from("203.0.113.99"))  # the same /24 network
    assert locations.record_sign_in(user, _from("198.51.100.7"))  # another network
    assert not locations.record_sign_in(user, _from("198.51.100.8"))
    assert KnownLocation.objects.filter(user=user).count() == 2


def test_another_account_in_the_same_place_is_not_counted(db, path):
    alice, bob = make_user("alice"), make_user("bob")
    assert not locations.record_sign_in(alice, _from("203.0.113.10"))
    assert not locations.record_sign_in(bob, _from("198.51.100.7"))  # bob's first, though alice has a place


def test_a_known_place_moves_its_last_seen(db, path):
    user = make_user()
    locations.record_sign_in(user, _from("203.0.113.10"))
    before = KnownLocation.objects.get(user=user)
    locations.record_sign_in(user, _from("203.0.113.10"))
    after = KnownLocation.objects.get(user=user)
    assert after.first_seen == before.first_seen and after.last_seen > before.last_seen


def test_recording_a_place_is_one_statement(db):
    user = make_user()
    locations.record_sign_in(user, _from("203.0.113.10"))
    for address in ("203.0.113.10", "198.51.100.7"):  # known, then new
        with CaptureQueriesContext(connection) as captured:
            locations.record_sign_in(user, _from(address))
        statements = [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]]
        assert len(statements) == 1, statements
