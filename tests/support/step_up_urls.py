"""The project's URLs plus views of a host site guarded by step-up (twofactor.decorators), for the step-up tests
(ROOT_URLCONF here, and for the live server through TWOFACTOR_TEST_ROOT_URLCONF)."""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views import View

from twofa_site.urls import urlpatterns as site_urlpatterns
from twofactor.decorators import FreshSecondFactorRequiredMixin, require_fresh_second_factor


@require_fresh_second_factor
def payout(request):
    """A host page: GET shows the form; POST does the sensitive thing."""
    if request.method == "POST":
        return HttpResponse(f"paid {request.POST.get('amount', '')}")
    return HttpResponse('<form method="post">payout form</form>')


@require_fresh_second_factor(max_age=60)
def close_account(request):
    return HttpResponse("close your account")


class ExportView(FreshSecondFactorRequiredMixin, View):
    second_factor_max_age = 120

    def get(self, request):
        return JsonResponse({"export": "ready"})


urlpatterns = [
    path("payout/", payout, name="payout"),
    path("close/", close_account, name="close_account"),
    path("export/", ExportView.as_view(), name="export"),
    *site_urlpatterns,
]
