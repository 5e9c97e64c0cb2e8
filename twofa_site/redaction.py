"""Logs without the one-use tokens that travel in paths: gunicorn's access log and Django's own log lines.

A password-reset link (`…/reset/<uid>/<token>/`), an unlock link (`…/unlock/<token>/`) and a "Not you?" link
(`…/not-you/<token>/`) carry their token in the path, and a form posted from such a page carries it in its
Referer. gunicorn's default access log writes both, so whoever reads the platform's log could use a link its
owner opened but did not finish; Django's request log names the path of every 4xx answer too. Both write
"[token]" in their place: `RedactingLogger` (the Procfile and render.yaml select it with `--logger-class
twofa_site.redaction.RedactingLogger`) and `RedactTokens`, a filter on the settings' log handler.
"""

import logging
import re

from gunicorn.glogging import Logger

TOKENS = re.compile(r"(/(?:unlock|not-you)/|/reset/[^/?#\s]+/)(?!set-password/)[^/?#\s]+")
#: The atoms that hold a path or a URL: the request line, the path, the Referer.
URL_ATOMS = ("r", "U", "f", "{referer}i")


def redact(text: str) -> str:
    return TOKENS.sub(r"\1[token]", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms


class RedactTokens(logging.Filter):
    """Writes each record's message with its tokens redacted ("Bad Request: /2fa/unlock/[token]/")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
