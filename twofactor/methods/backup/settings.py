"""The backup-code method's settings. Read as TWOFACTOR_<NAME>, here or through
twofactor.app_settings.app_settings."""

from ...app_settings import Settings


class BackupSettings(Settings):
    """Read by the backup-code method (`backup`)."""

    @property
    def BACKUP_CODE_COUNT(self) -> int:
        """Backup codes in one set."""
        return int(self._get("BACKUP_CODE_COUNT", 10))

    @property
    def BACKUP_CODES_LOW(self) -> int:
        """Unused backup codes at or below which the owner is warned: a notice on the two-factor page and on the page
        after sign-in, and one mail each time the count drops to it."""
        return int(self._get("BACKUP_CODES_LOW", 2))


backup_settings = BackupSettings()
