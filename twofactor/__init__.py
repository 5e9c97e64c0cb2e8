"""Two-factor authentication for Django: a pluggable app (see README.md, "Architecture")."""
