"""The project's URLs plus a plain `login_required` page: the baseline a verified request is measured against."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import TemplateView

from twofa_site.urls import urlpatterns as site_urlpatterns

#: The home page's template behind nothing but Django's own `login_required`.
plain_page = login_required(TemplateView.as_view(template_name="accounts/home.html"))

urlpatterns = [path("plain/", plain_page, name="plain"), *site_urlpatterns]
