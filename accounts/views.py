"""Sign-up, sign-in, sign-out, password change and reset: Django's views, templated."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from twofactor import flows

from .forms import SignInForm, SignUpForm


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/home.html"


class SignUpView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignUpForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(self.request, _("Welcome! Your account is ready."))
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Change your password")}
    success_url = reverse_lazy("twofactor:overview")

    def form_valid(self, form):
        response = super().form_valid(form)
        flows.password_changed(self.request, form.user)
        messages.success(self.request, _("Your password was changed. Your other sessions were signed out."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Reset your password")}
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_form.html"
    extra_context = {"heading": _("Choose a new password")}

    def form_valid(self, form):
        response = super().form_valid(form)
        flows.password_changed(self.request, form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
