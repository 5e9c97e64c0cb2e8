"""Password authentication by username or email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, Q, When


class UsernameOrEmailBackend(ModelBackend):
    """Accept either identifier, in any letter case, with the same timing for unknown accounts."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        identifier = username.strip()
        user_model = get_user_model()
        # An identifier with an "@" names the account holding that address first: a username that looks like an
        # address (made before usernames could not) never takes the sign-in of the address's owner.
        preferred = "email" if "@" in identifier else "username"
        user = (
            user_model._default_manager.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
            .order_by(Case(When(**{f"{preferred}__iexact": identifier}, then=0), default=1), "pk")
            .first()
        )
        if user is None:
            # Hash anyway, so an unknown account takes as long as a wrong password.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
