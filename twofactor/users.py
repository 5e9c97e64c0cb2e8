"""What the app reads of the project's user model, which it knows only through `get_user_model()`."""


def account_address(user) -> str:
    """The account's email address (the model's EMAIL_FIELD), stripped; "" when it has none."""
    return (getattr(user, user.get_email_field_name(), "") or "").strip()
