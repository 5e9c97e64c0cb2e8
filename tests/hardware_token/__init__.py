"""A third-party two-factor method that exists only for the tests: HOTP hardware tokens (RFC 4226).

Everything it needs is here (model, set-up step, templates, API endpoint, OpenAPI description);
tests/settings.py installs the app and lists the method in TWOFACTOR_METHODS. Nothing in twofactor/
names it: this is the worked example of docs/methods.md, "Writing a method".
"""
