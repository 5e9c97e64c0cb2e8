"""The scheduled sweeps: what they delete, and that both platforms run them."""

import json
import time
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from twofactor.models import RateCounter

ROOT = Path(__file__).resolve().parent.parent
SWEEPS = "python manage.py clearsessions --skip-checks && python manage.py twofactor_sweep --skip-checks && python manage.py twofactor_prune_events --skip-checks"


@pytest.mark.django_db
def test_the_sweep_deletes_counters_whose_bucket_is_full_again_and_keeps_the_others():
    now = time.time()
    RateCounter.objects.create(key="spent", tat=now - 3600)
    RateCounter.objects.create(key="limiting", tat=now + 600)
    out = StringIO()
    call_command("twofactor_sweep", "--batch-size", "1", stdout=out)
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["limiting"]
    assert "Deleted 1 rate-limit counter" in out.getvalue()


def test_render_runs_the_sweeps_hourly_with_the_web_services_secret_and_database():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (cron,) = [service for service in blueprint["services"] if service.get("name") == "twofa-sweep"]
    assert cron["type"] == "cron" and cron["startCommand"] == SWEEPS
    assert cron["schedule"].split()[1:] == ["*", "*", "*", "*"]  # every hour
    env = {variable["key"]: variable for variable in cron["envVars"]}
    assert env["SECRET_KEY"]["fromService"]["envVarKey"] == "SECRET_KEY"
    assert env["DATABASE_URL"]["fromDatabase"]["name"] == blueprint["databases"][0]["name"]


def test_heroku_gets_the_scheduler_and_the_docs_name_its_job():
    assert "scheduler" in json.loads((ROOT / "app.json").read_text())["addons"]
    for page in ("deployment.md", "operations.md"):
        assert SWEEPS in " ".join((ROOT / "docs" / page).read_text().split()), page


REMINDERS = "python manage.py twofactor_send_reminders --skip-checks"


def test_both_platforms_schedule_the_grace_period_reminders_daily():
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    (cron,) = [service for service in blueprint["services"] if service.get("name") == "twofa-reminders"]
    assert cron["type"] == "cron" and cron["startCommand"] == REMINDERS
    assert cron["schedule"].split()[2:] == ["*", "*", "*"]  # once a day
    env = {variable["key"]: variable for variable in cron["envVars"]}
    for key in ("SECRET_KEY", "EMAIL_URL", "DEFAULT_FROM_EMAIL"):
        assert env[key]["fromService"]["envVarKey"] == key
    assert env["DATABASE_URL"]["fromDatabase"]["name"] == blueprint["databases"][0]["name"]
    assert env["TWOFACTOR_SITE_URL"]["sync"] is False  # asked for: the link in the mail
    app = json.loads((ROOT / "app.json").read_text())
    assert "scheduler" in app["addons"] and REMINDERS in app["env"]["TWOFACTOR_GRACE_DAYS"]["description"]
    for page in ("deployment.md", "operations.md", "policy.md"):
        assert REMINDERS in " ".join((ROOT / "docs" / page).read_text().split()), page
