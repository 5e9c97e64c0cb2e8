"""The one check of a typed sent code: six digits matching the salted hash that was kept (constant time).

A device's code (a method's, or the rescue code) is checked by `SentCodeDevice.check_code` inside
twofactor.verification's row-locked, exactly-once path; an enrolment's code, which lives in the session until
the new method is stored, by `enrolment.check_enrolment_code`. Both compare through `matches`.
"""

from ..codes import matches_hash, normalize_numeric_code

CODE_DIGITS = 6


def matches(code: str, code_hash: str) -> bool:
    """Whether `code` as typed (spaces allowed) is the sent code whose hash is `code_hash`."""
    normalized = normalize_numeric_code(code, CODE_DIGITS)
    return normalized is not None and bool(code_hash) and matches_hash(normalized, code_hash)
