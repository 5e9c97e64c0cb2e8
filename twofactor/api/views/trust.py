"""The user's trusted browsers ("remember this browser"): list, revoke one, revoke all."""

from ... import flows
from ...web.body import EmptyForm, read_json
from ...web.endpoint import endpoint
from ...web.responses import answer
from ...web.shapes import trusted_browser_shape


def _trusted_browsers_answer(request):
    return answer(
        {
            "trusted_browsers": [
                trusted_browser_shape(record, this_browser=flows.is_this_browser(request, record))
                for record in flows.trusted_browsers(request)
            ]
        }
    )


@endpoint("GET", "DELETE")
def trusted_browsers(request):
    """GET lists the browsers that skip the second step; DELETE revokes them all (answers the empty list)."""
    if request.method == "DELETE":
        read_json(request, EmptyForm)
        flows.revoke_trusted_browsers(request)
    return _trusted_browsers_answer(request)


@endpoint("DELETE")
def trusted_browser(request, browser_id: int):
    """Revoke one trusted browser (404 when it is not one of the user's); answers the browsers left."""
    read_json(request, EmptyForm)
    flows.revoke_trusted_browser(request, browser_id)
    return _trusted_browsers_answer(request)
