"""The text-message method: 6-digit codes texted on demand (Twilio, or another SMS backend)."""

#: The wheel's extra that brings this method's libraries, and the modules it needs (found, never imported, by
#: twofactor.app_settings.installed: TWOFACTOR_METHODS, unset, offers the method only when they are there).
EXTRA = "sms"
REQUIRES = ("phonenumbers", "phonenumber_field")
