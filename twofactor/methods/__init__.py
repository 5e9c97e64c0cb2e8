"""Two-factor methods: the `Method` base class (base.py), the registry (registry.py) and the built-in methods,
one package each (totp/, sms/, email/, backup/)."""
