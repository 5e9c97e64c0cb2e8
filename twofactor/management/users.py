"""Finding the user a management command is about."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def find_user(identifier: str):
    """The user whose username, else email address, is `identifier` (any letter case); CommandError otherwise."""
    model = get_user_model()
    manager = model._default_manager
    identifier = identifier.strip()
    username_field = model.USERNAME_FIELD
    exact = manager.filter(**{username_field: identifier}).first()
    if exact is not None:
        return exact
    for field in (username_field, model.get_email_field_name()):
        matches = list(manager.filter(**{f"{field}__iexact": identifier})[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CommandError(f"More than one user has the {field} {identifier!r}; give the exact username.")
    raise CommandError(f"No user has the username or email address {identifier!r}.")
