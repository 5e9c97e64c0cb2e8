"""Many rows, fast: users with an authenticator, backup codes, email codes and a passkey, security events and
rescue requests, written with one INSERT … SELECT per table (no Python loop). Shared by the growth tests and
bench/run.py.
"""

from datetime import UTC, datetime

from django.db import connection

#: The admin lists the growth tests and the benchmark measure (rows they show grow with `populate`).
ADMIN_LISTS = {
    "users": "/admin/accounts/user/",
    "authenticator apps": "/admin/twofactor/totpdevice/",
    "backup codes": "/admin/twofactor/backupcodedevice/",
    "codes by email": "/admin/twofactor/emaildevice/",
    "passkeys": "/admin/twofactor/passkeydevice/",
    "rescue requests": "/admin/twofactor/rescuerequest/",
    "security events": "/admin/twofactor/securityevent/",
}
TABLES = [
    "accounts_user",
    "twofactor_totpdevice",
    "twofactor_backupcodedevice",
    "twofactor_backupcode",
    "twofactor_emaildevice",
    "twofactor_passkeydevice",
    "twofactor_rescuerequest",
    "twofactor_securityevent",
]


def _series(count_param: str) -> str:
    if connection.vendor == "postgresql":
        return f"SELECT n FROM generate_series(1, {count_param}) AS n"
    return f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count_param}) SELECT n FROM s"


def _days_before(moment: str, days: str) -> str:
    """SQL for `moment` (a parameter) minus `days` whole days."""
    if connection.vendor == "postgresql":
        return f"({moment}::timestamptz - ({days}) * interval '1 day')"
    return f"datetime({moment}, '-' || ({days}) || ' days')"


def _bytes_of(column: str) -> str:
    """SQL for distinct bytes made from an integer column (a passkey's credential id must be unique)."""
    if connection.vendor == "postgresql":
        return f"int8send({column})"
    return f"CAST('credential-' || {column} AS BLOB)"


def populate(start: int, stop: int) -> None:
    """Add users number start+1 … stop, each with an authenticator app, backup codes (one of two used),
    an email device, a passkey, one denied rescue request and one security event, spread over the last two years."""
    now = (
        datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        if connection.vendor == "sqlite"
        else datetime.now(UTC)
    )
    count = stop - start
    if count <= 0:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows made here reference rows made here: skip the per-row foreign-key triggers while loading.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM accounts_user")
        floor = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) "
            f"SELECT '!', %s, 'grow' || (n + %s), '', '', 'grow' || (n + %s) || '@example.com', %s, %s, "
            f"{_days_before('%s', 'n %% 730')} FROM ({_series('%s')}) AS series",
            [False, start, start, False, True, now, count],
        )
        new_users = "SELECT id FROM accounts_user WHERE id > %s"
        device_columns = "user_id, name, confirmed, throttling_failure_count, created_at"
        cursor.execute(
            f"INSERT INTO twofactor_totpdevice ({device_columns}, encrypted_key, step, digits, tolerance, drift, last_t) "
            f"SELECT id, 'Authenticator app', %s, 0, %s, 'not-a-key', 30, 6, 1, 0, -1 FROM ({new_users}) AS u",
            [True, now, floor],
        )
        cursor.execute(
            f"INSERT INTO twofactor_backupcodedevice ({device_columns}) "
            f"SELECT id, 'Backup codes', %s, 0, %s FROM ({new_users}) AS u",
            [True, now, floor],
        )
        cursor.execute(
            "INSERT INTO twofactor_backupcode (device_id, code_hash, used_at) "
            "SELECT d.id, 'not-a-hash', CASE WHEN k.n = 1 THEN %s END FROM twofactor_backupcodedevice d "
            f"JOIN ({_series('2')}) AS k ON 1 = 1 WHERE d.user_id > %s",
            [now, floor],
        )
        cursor.execute(
            f"INSERT INTO twofactor_emaildevice ({device_columns}, code_hash, email) "
            f"SELECT id, 'Email', %s, 0, %s, '', 'grow' || id || '@example.com' FROM ({new_users}) AS u",
            [True, now, floor],
        )
        cursor.execute(
            f"INSERT INTO twofactor_passkeydevice ({device_columns}, credential_id, public_key, sign_count, "
            "transports, aaguid, user_handle, backed_up, last_challenge) "
            f"SELECT id, 'Passkey', %s, 0, %s, {_bytes_of('id')}, {_bytes_of('id')}, 0, '[]', '', "
            f"{_bytes_of('id')}, %s, '' FROM ({new_users}) AS u",
            [True, now, False, floor],
        )
        cursor.execute(
            "INSERT INTO twofactor_rescuerequest (user_id, message, user_agent, status, created_at, updated_at, "
            f"staff_note) SELECT id, '', '', 'denied', {_days_before('%s', 'id %% 730')}, %s, '' "
            f"FROM ({new_users}) AS u",
            [now, now, floor],
        )
        cursor.execute(
            "INSERT INTO twofactor_securityevent (user_id, kind, user_agent, data, created_at) "
            f"SELECT id, CASE WHEN id %% 3 = 0 THEN 'code_failed' ELSE 'signed_in' END, '', '{{}}', "
            f"{_days_before('%s', 'id %% 730')} FROM ({new_users}) AS u",
            [now, floor],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    analyze()


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would after such a load (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(TABLES)}")
