"""Two-factor authentication for Django: a pluggable app (docs: docs/architecture.md, docs/methods.md)."""
