"""Django's database sessions, with the key rotated by renaming the row.

Django's `cycle_key` (at sign-in and at every step up) inserts a copy of the session under a
new key and deletes the original: an existence check, an INSERT, a SELECT and a DELETE. Here
one UPDATE renames the row; the old key stops working at the same moment, as with Django's.
Selected with SESSION_ENGINE = "twofa_site.sessions".
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import IntegrityError, router, transaction
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def cycle_key(self) -> None:
        data = self._session  # read under the old key before it changes
        old_key = self.session_key
        if old_key and self._rename(old_key, get_random_string(32, VALID_KEY_CHARS)):
            self._session_cache = data
            self.modified = True  # the response carries the new cookie and saves the data
            return
        super().cycle_key()  # never saved yet, or the new key was taken: Django's way

    def _rename(self, old_key: str, new_key: str) -> bool:
        using = router.db_for_write(self.model)
        try:
            with transaction.atomic(using=using):
                renamed = self.model.objects.using(using).filter(session_key=old_key).update(session_key=new_key)
        except IntegrityError:
            return False
        if renamed:
            self._session_key = new_key
        return bool(renamed)
