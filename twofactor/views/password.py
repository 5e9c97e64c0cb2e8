"""Changing the password while signed in: Django's view, with the current password checked by the password guard.

The site's password page and the admin's both use it (TwoFactorAdminSite.password_change), so neither is an
oracle for the current password: each attempt spends the sign-in page's budgets before it is checked, a right
one gives them back, a wrong one is recorded. A change ends the user's other sessions and is announced
(flows.password_changed).
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views

from .. import flows


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, its current password checked through `flows.check_password`."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            flows.require_full_session(self.request)  # not from a session a rescue code by email opened
            flows.check_password(self.request, self.user, old_password)
        except flows.TwoFactorError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return old_password


class AdminPasswordChangeForm(PasswordChangeForm):
    required_css_class = "required"  # as Django's admin form: the admin's template marks required fields


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view with the guarded form; a throttled attempt answers 429, as the sign-in page does."""

    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("old_password", "throttled"):
            response.status_code = 429
        return response

    def form_valid(self, form):
        response = super().form_valid(form)  # saves, then keeps this session signed in under a new key
        flows.password_changed(self.request, form.user)
        return response
