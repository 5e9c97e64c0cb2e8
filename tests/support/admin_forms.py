"""Reading an admin change form the way a browser would post it back."""

import html
import re


def form_fields(page: str) -> dict:
    """What an admin change form posts back as it stands: its inputs and checked boxes (selections are left out;
    a test adds the ones it means to post)."""
    values: dict = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or name.group(1) == "csrfmiddlewaretoken":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                values[name.group(1)] = "on"
            continue
        values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return values
