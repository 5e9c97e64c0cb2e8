"""Django's database sessions, with the key rotated by renaming the row, data included.

Django's `cycle_key` (at sign-in and at every step up) inserts a copy of the session under a new key
and deletes the original: an existence check, an INSERT, a SELECT and a DELETE, and the response then
writes the data once more. Here one UPDATE renames the row and stores the session's data as it is
at that moment; the old key stops working at once, as with Django's. When nothing changes the data
after the rotation, the save at the end of the request has nothing left to write and sends nothing.
Selected with SESSION_ENGINE = "twofa_site.sessions".
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import IntegrityError, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    #: The serialized data the row holds since this store last wrote it (None: not known).
    _stored: bytes | None = None

    def cycle_key(self) -> None:
        data = self._session  # read under the old key before it changes
        old_key = self.session_key
        if old_key and self._rename(old_key, get_random_string(32, VALID_KEY_CHARS), data):
            self._session_cache = data
            self.modified = True  # the response carries the new cookie
            return
        super().cycle_key()  # never saved yet, or the new key was taken: Django's way

    def _rename(self, old_key: str, new_key: str, data: dict) -> bool:
        using = router.db_for_write(self.model)
        self._session_key = new_key  # what create_model_instance stores
        stored = self.create_model_instance(data)
        try:
            with transaction.atomic(using=using):
                renamed = (
                    self.model.objects.using(using)
                    .filter(session_key=old_key)
                    .update(session_key=new_key, session_data=stored.session_data, expire_date=stored.expire_date)
                )
        except IntegrityError:
            renamed = 0
        if not renamed:
            self._session_key = old_key
            return False
        self._stored = self.serializer().dumps(data)
        return True

    def save(self, must_create: bool = False) -> None:
        if not must_create and self._stored is not None and self.serializer().dumps(self._session) == self._stored:
            return  # the rotation stored the data as it is now
        self._stored = None
        super().save(must_create)

    def delete(self, session_key: str | None = None) -> None:
        self._stored = None
        super().delete(session_key)
