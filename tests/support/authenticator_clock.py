"""A stand-in for the phone's clock, so tests can use several authenticator codes in a row."""

import time
import types

import pyotp

from twofactor.methods.totp import models as devices


class AuthenticatorClock:
    """Every code comes from a later 30-second step, so none is refused as a replay of the one before.

    It moves the clock the TOTP devices read (also in pytest-django's live server, which runs in
    this process) and asks pyotp, an independent implementation, for the code of that moment.
    """

    def __init__(self, monkeypatch):
        self.now = int(time.time())
        monkeypatch.setattr(devices, "time", types.SimpleNamespace(time=lambda: self.now))

    def code(self, totp: pyotp.TOTP) -> str:
        self.now += 30
        return totp.at(self.now)
