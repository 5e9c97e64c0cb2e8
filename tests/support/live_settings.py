"""Settings of the gunicorn server the attack tests run against: the production settings (DEBUG off),
read from the environment like any deployment, plus what plain HTTP and quick tests need."""

import os

from twofa_site.settings import *  # noqa: F403

# The test client speaks plain HTTP, where a browser would not send Secure cookies back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# A cheaper PBKDF2, the same in the tests that create the users: still a real hash, so a password check
# takes long enough for concurrent requests to overlap.
PASSWORD_HASHERS = ["tests.support.live_server.LiveServerHasher"]
# Short cooldown, small SMS budgets: the attacks reach them within a second.
TWOFACTOR_COOLDOWN_SECONDS = 3
TWOFACTOR_SMS_ENROLMENT_LIMIT_SITE_HOUR = 3
TWOFACTOR_SMS_LIMIT_SITE_HOUR = 5
# How soon a site whose Redis went away asks it again (the outage test restarts Redis within seconds).
TWOFACTOR_CACHE_RETRY_SECONDS = int(os.environ.get("TWOFACTOR_CACHE_RETRY_SECONDS", "30"))
# A test may serve the site with views of its own around it (tests/support/step_up_urls.py).
ROOT_URLCONF = os.environ.get("TWOFACTOR_TEST_ROOT_URLCONF", ROOT_URLCONF)  # noqa: F405
