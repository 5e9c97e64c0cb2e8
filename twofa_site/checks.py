"""The project's deployment checks (`manage.py check --deploy`, run by the release / pre-deploy command).

twofa_site.E001  the static files manifest is missing or incomplete: every page would answer 500
                 "Missing staticfiles manifest entry", so the release fails instead
twofa_site.W001  several web processes but no REDIS_URL: the cache is per process
twofa_site.E010  Argon2id parameters that cannot hash (PASSWORD_ARGON2_*)
twofa_site.W010  Argon2id parameters below OWASP's minimum
"""

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import storages

BUILD_HINT = (
    "Run `python manage.py collectstatic --noinput` when building (the Heroku Python buildpack does it "
    "when DISABLE_COLLECTSTATIC is unset; render.yaml's buildCommand does it)."
)


def static_files_missing_from_manifest(storage: ManifestFilesMixin) -> list[str] | None:
    """Static files the finders know but the manifest lacks; None when there is no readable manifest."""
    try:
        manifest, _hash = storage.load_manifest()
    except ValueError:  # not a manifest Django can read
        return None
    if not manifest:
        return None
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    known = {path for finder in get_finders() for path, _storage in finder.list(ignore)}
    return sorted(known - manifest.keys())


@register(Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs, **kwargs):
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):  # development and tests serve files as they are
        return []
    missing = static_files_missing_from_manifest(storage)
    location = f"{settings.STATIC_ROOT}/{storage.manifest_name}"
    if missing is None:
        return [
            Error(
                f"The static files manifest {location} is missing or unreadable, so every page would fail with "
                "'Missing staticfiles manifest entry'.",
                hint=BUILD_HINT,
                id="twofa_site.E001",
            )
        ]
    if missing:
        return [
            Error(
                f"{len(missing)} static files are not in the manifest {location} (for example "
                f"{', '.join(missing[:3])}); pages using them would fail.",
                hint=BUILD_HINT,
                id="twofa_site.E001",
            )
        ]
    return []


@register(Tags.caches)
def check_shared_cache(app_configs, **kwargs):
    if settings.DEBUG or settings.REDIS_URL or settings.WEB_CONCURRENCY <= 1:
        return []
    return [
        Warning(
            f"WEB_CONCURRENCY is {settings.WEB_CONCURRENCY} but REDIS_URL is not set: each web process keeps its own "
            "cache, so rate limits are counted in the database instead (a write per sign-in attempt).",
            hint="Set REDIS_URL (Heroku: heroku-redis; Render: a Key Value instance) so every process shares one cache.",
            id="twofa_site.W001",
        )
    ]


#: OWASP's Password Storage Cheat Sheet: equally strong Argon2id settings, (memory in KiB, passes).
OWASP_ARGON2ID = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


@register(Tags.security)
def check_password_hashing(app_configs, **kwargs):
    memory, passes, lanes = (
        settings.PASSWORD_ARGON2_MEMORY_KIB,
        settings.PASSWORD_ARGON2_TIME_COST,
        settings.PASSWORD_ARGON2_PARALLELISM,
    )
    if min(memory, passes, lanes) < 1 or memory < 8 * lanes:
        return [
            Error(
                f"The Argon2id parameters (PASSWORD_ARGON2_MEMORY_KIB={memory}, PASSWORD_ARGON2_TIME_COST={passes}, "
                f"PASSWORD_ARGON2_PARALLELISM={lanes}) cannot hash a password.",
                hint="Use positive numbers, with at least 8 KiB of memory per lane; OWASP's minimum is 19456, 2 and 1.",
                id="twofa_site.E010",
            )
        ]
    if not any(memory >= least_memory and passes >= least_passes for least_memory, least_passes in OWASP_ARGON2ID):
        return [
            Warning(
                f"Argon2id with {memory} KiB and {passes} passes is below OWASP's recommended minimum, so each "
                "password guess costs an attacker less than it should.",
                hint="Leave PASSWORD_ARGON2_MEMORY_KIB and PASSWORD_ARGON2_TIME_COST unset (19456 and 2), or pick a "
                "row of OWASP's table: 47104/1, 19456/2, 12288/3, 9216/4, 7168/5.",
                id="twofa_site.W010",
            )
        ]
    return []
