from django.apps import AppConfig


class HardwareTokenConfig(AppConfig):
    name = "tests.hardware_token"
    label = "hardware_token"
    default_auto_field = "django.db.models.BigAutoField"
