"""The OpenAPI document, and JSON 404s for every other address under the API."""

from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from ...web.endpoint import endpoint
from ...web.responses import answer, error_answer
from ...web.responses import not_found as not_found_error
from ..openapi import document


@endpoint("GET", sign_in_required=False)
def openapi(request):
    base_path = reverse("twofactor_api:session").rsplit("/", 1)[0]
    return answer(document(base_path))


@csrf_exempt  # answers 404 to any method and changes nothing
def not_found(request, *args, **kwargs):
    return error_answer(not_found_error())
