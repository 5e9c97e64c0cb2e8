from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def home(request):
    return HttpResponse(f"Hello {request.user.get_username()}")


urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/2fa/", include("twofactor.urls")),
    path("security/api/", include("twofactor.api.urls")),
    path("staff/", admin.site.urls),
]
