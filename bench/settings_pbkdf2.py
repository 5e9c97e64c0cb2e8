"""The project's settings with the password hasher it had before Argon2id (Django's PBKDF2-SHA256 first):
the "before" servers of `bench/run.py`'s side-by-side sign-in load."""

from twofa_site.settings import *  # noqa: F403

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "accounts.hashers.OWASPArgon2PasswordHasher",
]
