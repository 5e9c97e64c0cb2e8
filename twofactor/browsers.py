"""A browser in words, from its User-Agent: "Firefox on Windows" (the family and system only, never a version)."""

from django.utils.translation import gettext as _

# First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari".
BROWSERS = [
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari/", "Safari"),
]
# iPads and iPhones also say "Mac OS X", Android also says "Linux".
SYSTEMS = [
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("iPod", "iOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def browser_family(agent: str) -> tuple[str, str]:
    """(browser, operating system) named by a User-Agent; "" for what is not recognised."""
    browser = next((name for marker, name in BROWSERS if marker in agent), "")
    system = next((name for marker, name in SYSTEMS if marker in agent), "")
    return browser, system


def describe_browser(agent: str) -> str:
    """A short description such as "Firefox on Windows", for mails and the security record."""
    return describe_family(*browser_family(agent))


def describe_family(browser: str, system: str) -> str:
    """ "Firefox on Windows" from the names `browser_family` gives."""
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
