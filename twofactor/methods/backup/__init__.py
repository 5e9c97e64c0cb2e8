"""The backup method."""
