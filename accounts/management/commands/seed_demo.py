"""Create (or reset) the demo user that the run command prints."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from twofactor import flows
from twofactor.core import registry

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-2fa"


class Command(BaseCommand):
    help = "Create the demo user, or reset it (password, and no two-factor method), and print its credentials."

    def handle(self, *args, **options):
        user_model = get_user_model()
        user = user_model._default_manager.filter(username__iexact=DEMO_USERNAME).first()
        created = user is None
        if created:
            user = user_model(username=DEMO_USERNAME, email=DEMO_EMAIL)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        # A reset starts the demo afresh: methods set up in an earlier run are removed, sessions ended. Quietly: a
        # re-run is no administrator's reset, so no mail; and nothing at all when an earlier run set nothing up.
        had_methods = any(method.get_model().objects.filter(user=user).exists() for method in registry.methods())
        removed = flows.reset_user(user, notify=False) if had_methods else 0
        verb = "Created" if created else "Reset"
        self.stdout.write(
            f"{verb} the demo user. Sign in at http://127.0.0.1:{os.environ.get('PORT') or 8000}/accounts/login/ with\n"
            f"  username: {DEMO_USERNAME}   (or {DEMO_EMAIL})\n"
            f"  password: {DEMO_PASSWORD}\n"
            "then set up a second factor; email and SMS codes are printed in this terminal."
        )
        if removed:
            noun = "method" if removed == 1 else "methods"
            self.stdout.write(f"Removed {removed} two-factor {noun} set up in an earlier run.")
