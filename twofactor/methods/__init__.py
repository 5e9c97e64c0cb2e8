"""The built-in two-factor methods, one package each (totp/, sms/, email/, passkey/, backup/); the contract they
implement (`Method`) and the registry live in twofactor.core."""
