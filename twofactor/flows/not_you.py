"""The "Not you?" link of the new-browser mail: end the sign-in it names and forget its browser. Nobody is signed in."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model, logout
from django.db.models import Q

from .. import not_you, remember, state
from ..models import TrustedBrowser, UserSession
from ..signals import Kind, emit


@dataclass(frozen=True)
class Disowned:
    """What the link did: the sign-in it named, whether its session was still open, how many browsers it forgot."""

    link: not_you.NotYouLink
    session_ended: bool
    browsers_revoked: int


def not_you_link(token: str) -> not_you.NotYouLink | None:
    """The sign-in a "Not you?" link names while it may still be used (what its page describes), else None."""
    return not_you.read(token)


def disown_sign_in(request, token: str) -> Disowned | None:
    """Spend the link: sign out the session it names and revoke the trusted browser of that sign-in, if any.

    None when the link is not valid (altered, older than 24 hours, or used already). It signs nobody in, and
    asks for nothing: it only takes access away, so whoever holds the mail may use it.
    """
    link = not_you.read(token)
    if link is None:
        return None
    user = get_user_model()._default_manager.filter(pk=link.user_id).first()
    if user is None or not not_you.spend(link):
        return None
    named = UserSession.objects.filter(user=user, pk=link.session_id)
    this_session = named.filter(session_key=getattr(request.session, "session_key", None)).exists()
    ended = state.end_sessions(named)
    if this_session:
        logout(request)  # the link was opened in the very browser it names: finish signing it out here
    # The browser trusted by this sign-in, and the one that vouched for it when it was a remembered sign-in.
    made_or_used = Q(sign_in=link.session_id)
    if link.trusted_browser_id is not None:
        made_or_used |= Q(pk=link.trusted_browser_id)
    browsers = TrustedBrowser.objects.filter(made_or_used)
    revoked = remember.revoke(browsers, user=user, reason=remember.Reason.NOT_YOU, request=request)
    emit(
        Kind.SIGN_IN_DISOWNED,
        user=user,
        request=request,
        session_ended=bool(ended),
        browsers_revoked=revoked,
        browser=link.browser,
        system=link.system,
        network=link.network,
    )
    return Disowned(link=link, session_ended=bool(ended), browsers_revoked=revoked)
