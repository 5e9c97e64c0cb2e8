import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("twofactor", "0008_trusted_browsers"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnrolmentDeadline",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="twofactor_deadline",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                ("deadline", models.DateTimeField(db_index=True, verbose_name="deadline")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="first seen required")),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        default="",
                        help_text="the language of the user's last page",
                        max_length=16,
                        verbose_name="language",
                    ),
                ),
                (
                    "reminded_days",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="days before the deadline of the last reminder mailed (reminders start again when it moves)",
                        null=True,
                        verbose_name="last reminder",
                    ),
                ),
            ],
            options={
                "verbose_name": "two-factor deadline",
                "verbose_name_plural": "two-factor deadlines",
                "ordering": ["deadline"],
            },
        ),
    ]
