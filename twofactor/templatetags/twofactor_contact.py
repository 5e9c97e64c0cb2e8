"""{% security_contact %}: where to report a security problem with this site (TWOFACTOR_SECURITY_CONTACT)."""

from django import template

from ..contact import security_contact as configured_contact

register = template.Library()


@register.inclusion_tag("twofactor/includes/security_contact.html")
def security_contact() -> dict:
    """The contact paragraph, or nothing when TWOFACTOR_SECURITY_CONTACT is not set."""
    return {"contact": configured_contact()}
