"""Codes sent on demand: to a method's device at sign-in (email, text message), to a target being enrolled,
and the rescue code mailed to the account's address.

    caps.py      the hourly caps every send counts against, the cooldown's answer, a target's rate-limit key
    sending.py   the one send path: cooldown, caps, a fresh code whose hash is kept, delivery outside the
                 transaction, put back as it was when delivery fails; events and log lines, never the code
    checking.py  the one check of a typed sent code (six digits, unexpired, its salted hash), for a device row
                 (through twofactor.verification's exactly-once path) and for the pending enrolment
    method.py    SentCodeMethod: what a method that sends codes adds to the method contract

The flows (sign-in, enrolment, rescue) and the methods that send codes use this package; it imports neither.
"""
