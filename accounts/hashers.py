"""The site's password hasher: Argon2id at OWASP's recommended minimum, set from settings.

Django's own `Argon2PasswordHasher` (argon2-cffi) with its parameters read from settings instead of
class attributes. OWASP's Password Storage Cheat Sheet asks for at least m = 19 MiB, t = 2, p = 1 for
Argon2id: about 20 ms a hash here, a tenth of PBKDF2-SHA256 at Django 5.2's 1,000,000 iterations, and
memory-hard, so a GPU guesser pays far more per guess. Django's `must_update` compares the stored
parameters with these, so raising them rehashes each password at its owner's next sign-in.
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class OWASPArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with `PASSWORD_ARGON2_MEMORY_KIB`, `_TIME_COST` and `_PARALLELISM` (OWASP's minimum by default)."""

    algorithm = "argon2"  # the same prefix as Django's: hashes stay readable by the stock hasher

    @property
    def memory_cost(self) -> int:
        return settings.PASSWORD_ARGON2_MEMORY_KIB

    @property
    def time_cost(self) -> int:
        return settings.PASSWORD_ARGON2_TIME_COST

    @property
    def parallelism(self) -> int:
        return settings.PASSWORD_ARGON2_PARALLELISM
