from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from twofactor import flows
from twofactor.forms import SetupConfirmForm
from twofactor.web.body import read_json
from twofactor.web.endpoint import endpoint
from twofactor.web.pages import add_flow_error, enrolment_page, render_stored, status_for
from twofactor.web.responses import answer

from .forms import TokenSecretForm
from .setup import KEY, begin_token_setup


@login_required
@require_http_methods(["GET", "POST"])
@enrolment_page
def setup_page(request):
    """Step 1: the token's secret; step 2: a code from the token (the generic confirm flow)."""
    secret_form, code_form, status = TokenSecretForm(), SetupConfirmForm(method=KEY), 200
    pending = (flows.pending(request) or {}).get("method") == KEY
    if request.method == "POST" and request.POST.get("action") == "secret":
        secret_form, status = TokenSecretForm(request.POST), 400
        if secret_form.is_valid():
            try:
                begin_token_setup(request, secret_form.cleaned_data["secret"])
            except flows.TwoFactorError as failure:
                add_flow_error(secret_form, failure, None)
                status = failure.status
            else:
                return redirect(request.get_full_path())
    elif request.method == "POST":
        code_form, status = SetupConfirmForm(request.POST, method=KEY), 400
        if code_form.is_valid():
            try:
                return render_stored(request, flows.confirm(request, code_form.cleaned_data["code"]))
            except flows.TwoFactorError as failure:
                status = status_for(failure)
                add_flow_error(code_form, failure)
    context = {"secret_form": secret_form, "form": code_form, "pending": pending}
    return render(request, "hardware_token/setup.html", context, status=status)


@endpoint("POST")
def api_setup(request):
    """POST /2fa/setup/hotp {"secret"}: the token's secret is pending; confirm with POST /2fa/setup/confirm."""
    data = read_json(request, TokenSecretForm)
    begin_token_setup(request, data["secret"])
    return answer({"pending": True})
