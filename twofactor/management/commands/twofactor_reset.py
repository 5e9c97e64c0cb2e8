"""manage.py twofactor_reset USER: remove every method, end every session, mail the user."""

from django.core.management.base import BaseCommand, CommandError

from twofactor import flows, state
from twofactor.management.users import find_user
from twofactor.users import account_address

DEFAULT_NOTE = "Reset with manage.py twofactor_reset."


class Command(BaseCommand):
    help = (
        "Reset a user's two-factor authentication: remove every method and backup code, end every session, "
        "forget remembered browsers and mail the user. Their next sign-in asks for a new method."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="username or email address")
        parser.add_argument("--note", default="", help="why (kept in the security record; not mailed)")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="do not ask for confirmation"
        )

    def handle(self, *args, user: str, note: str, interactive: bool, **options):
        account = find_user(user)
        methods = [device.method for device in state.devices_of(account)]
        label = f"{account.get_username()} <{account_address(account)}>"
        if interactive:
            summary = ", ".join(methods) or "no methods"
            answer = input(f"Reset two-factor for {label} ({summary}) and sign them out everywhere? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing was changed.")
        removed = flows.reset_two_factor(account, note=note.strip() or DEFAULT_NOTE)
        noun = "method" if removed == 1 else "methods"
        self.stdout.write(
            self.style.SUCCESS(
                f"Two-factor reset for {label}: {removed} {noun} removed, every session ended; the user was mailed."
            )
        )
