"""The email method."""
