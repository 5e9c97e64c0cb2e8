"""SMS backends: console, file, locmem and twilio, each exposing an SMSBackend class."""
