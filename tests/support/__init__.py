"""What the tests share, beside the test files (tests/test_*.py mirror the modules they test).

Plain helpers, imported by name:
    users.py               make_user, sign_in (the password step), PASSWORD
    devices.py             add_totp, add_email, add_sms: a confirmed method of each kind
    api_client.py          ApiClient: /api/v1/ as a single-page app calls it (JSON, CSRF enforced)
    authenticator_clock.py a stand-in for the phone's clock (several TOTP codes in a row)
    still_pictures.py      a frozen clock and fixed data for the screenshots committed under docs/screenshots/
    soft_authenticator.py  a software WebAuthn authenticator (real P-256 signatures)
    twilio_fake.py         the Twilio HTTP edge: records requests, answers with canned responses
    growth.py              many rows fast (admin growth tests, bench/)
    live_server.py         a real gunicorn on the test database (the `live` tier)
    app_servers.py         several gunicorns as Heroku/Render run them (the `live` tier, bench/)

Loaded by name, not imported:
    delivery_fixtures.py   pytest plugin (tests/conftest.py pytest_plugins): smtp_server, smtp_down, twilio,
                           twofactor_logs fixtures
    tiers.py               pytest plugin: the tier markers (live, browser, postgres, slow), set automatically
    env_defaults.py        pytest plugin (-p in pytest.ini): environment defaults read before the settings
    mutation_support.py    pytest plugin (-p in setup.cfg) of the mutation run only
    live_settings.py       DJANGO_SETTINGS_MODULE of the live gunicorn
    baseline_urls.py       ROOT_URLCONF of the query-count baseline
"""
