"""The totp method."""
