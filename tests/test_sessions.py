"""twofa_site.sessions: rotating a session key renames its row, data included; the old key stops working at once."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from twofa_site import sessions
from twofa_site.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved_session(**data) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def _statements(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]]


def test_rotation_renames_the_row_with_its_data_in_one_statement():
    store = _saved_session(user="alice")
    old_key = store.session_key
    store["step"] = "verified"
    with CaptureQueriesContext(connection) as captured:
        store.cycle_key()
    statements = _statements(captured)
    assert len(statements) == 1 and statements[0].startswith("UPDATE"), statements
    assert store.session_key != old_key and store.modified
    assert SessionStore(session_key=old_key).load() == {}  # the old key is worth nothing
    assert SessionStore(session_key=store.session_key).load() == {"user": "alice", "step": "verified"}
    assert Session.objects.count() == 1


def test_a_save_after_the_rotation_sends_nothing_unless_the_data_changed():
    store = _saved_session(user="alice")
    store.cycle_key()
    with CaptureQueriesContext(connection) as captured:
        store.save()
    assert _statements(captured) == []
    store["step"] = "verified"
    store.save()
    assert SessionStore(session_key=store.session_key).load() == {"user": "alice", "step": "verified"}


def test_a_change_inside_a_nested_value_is_still_saved():
    store = _saved_session(user="alice", stamps={"password_at": 1})
    store.cycle_key()
    store["stamps"]["code_at"] = 2  # mutated in place: the serialized data tells
    store.save()
    assert SessionStore(session_key=store.session_key).load()["stamps"] == {"password_at": 1, "code_at": 2}


def test_a_new_expiry_after_the_rotation_is_saved():
    store = _saved_session(user="alice")
    store.cycle_key()
    store.set_expiry(60)
    store.save()
    assert Session.objects.get(session_key=store.session_key).expire_date <= store.get_expiry_date()


def test_a_session_never_saved_gets_a_new_key_the_usual_way():
    store = SessionStore()
    store["user"] = "alice"
    store.cycle_key()
    assert store.session_key and SessionStore(session_key=store.session_key).load() == {"user": "alice"}


def test_a_taken_new_key_falls_back_to_a_fresh_key(monkeypatch):
    taken = _saved_session(user="bob")
    store = _saved_session(user="alice")
    old_key = store.session_key
    monkeypatch.setattr(sessions, "get_random_string", lambda *args: taken.session_key)
    store.cycle_key()
    assert store.session_key not in (old_key, taken.session_key)
    assert SessionStore(session_key=taken.session_key).load() == {"user": "bob"}  # untouched
    assert SessionStore(session_key=old_key).load() == {}
    assert SessionStore(session_key=store.session_key).load() == {"user": "alice"}


def test_the_site_uses_it(settings):
    assert settings.SESSION_ENGINE == "twofa_site.sessions"
