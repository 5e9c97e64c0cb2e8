"""Every two-factor changelist accepts only the lookups of its own filters: no column is an oracle."""

import pytest

from tests.support.devices import add_totp
from tests.support.users import make_user

from .test_admin import staff_client

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "/admin/twofactor/totpdevice/": ["encrypted_key__startswith=g", "encrypted_key__regex=^g", "key__startswith=0"],
    "/admin/twofactor/emaildevice/": ["code_hash__startswith=a", "email__startswith=a", "token__startswith=1"],
    "/admin/twofactor/smsdevice/": ["code_hash__startswith=a", "phone_number__startswith=%2B1"],
    "/admin/twofactor/backupcodedevice/": ["codes__code_hash__startswith=a", "user__password__startswith=p"],
    "/admin/twofactor/rescuerequest/": ["message__contains=a", "user__password__startswith=p", "ip__startswith=1"],
    "/admin/twofactor/securityevent/": ["data__contains=a", "user__password__startswith=p", "user_agent__contains=a"],
    "/admin/accounts/user/": [
        "password__startswith=pbkdf2",
        "email__startswith=a",
        "twofactor_sessions__session_key__startswith=a",
    ],
}
FILTERS = {
    "/admin/twofactor/totpdevice/": "confirmed__exact=1",
    "/admin/twofactor/emaildevice/": "confirmed__exact=1",
    "/admin/twofactor/smsdevice/": "confirmed__exact=1",
    "/admin/twofactor/backupcodedevice/": "confirmed__exact=1",
    "/admin/twofactor/rescuerequest/": "status__exact=open&created_at__year=2026",
    "/admin/twofactor/securityevent/": "kind__exact=signed_in&created_at__year=2026",
    "/admin/accounts/user/": "is_staff__exact=1",
}


@pytest.fixture
def admin_client():
    _staff, client = staff_client("root", is_superuser=True)
    add_totp(make_user("victim"))
    return client


@pytest.mark.parametrize(
    ("changelist", "lookup"), [(url, lookup) for url, lookups in CHANGELISTS.items() for lookup in lookups]
)
def test_a_lookup_outside_the_filters_is_refused(admin_client, changelist, lookup):
    response = admin_client.get(f"{changelist}?{lookup}")
    assert response.status_code == 400, (changelist, lookup, response.status_code)


@pytest.mark.parametrize("changelist", FILTERS)
def test_the_filters_themselves_still_work(admin_client, changelist):
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(f"{changelist}?{FILTERS[changelist]}").status_code == 200
