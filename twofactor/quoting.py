"""Someone else's words in an official mail: quoted, with every link disabled.

A rescue request's text is written by whoever has the password, not necessarily the account's owner.
Quoted into the staff's mail as it is, a line such as "Approve or deny: https://evil.example/…" would
read as the site's own. So the text is shown as a quotation ("> " before each line) under a heading
that says it came from the requester, and links are defanged the way security teams write them
(`hxxps://evil[.]example/…`): readable, but neither clickable nor turned into a link by mail clients.
"""

import re

# A scheme, or a host name: labels joined by dots, ending in letters (example.com, www.evil.example).
SCHEME = re.compile(r"\b(h)tt(ps?)(:/+)", re.IGNORECASE)
IPV4 = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b")
HOST = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9])\b", re.IGNORECASE)


def defang(text: str) -> str:
    """`text` with every URL scheme and host name disabled: http → hxxp, example.com → example[.]com."""
    text = SCHEME.sub(lambda match: f"{match.group(1)}xx{match.group(2)}{match.group(3)}", text)
    text = IPV4.sub(lambda match: match.group(1).replace(".", "[.]"), text)
    return HOST.sub(lambda match: match.group(1).replace(".", "[.]"), text)


def quoted(text: str) -> str:
    """`text` defanged, each line starting with "> " (an empty text: one empty quoted line)."""
    return "\n".join(f"> {line}".rstrip() for line in defang(text).splitlines() or [""])
