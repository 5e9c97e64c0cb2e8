"""The sms method."""
