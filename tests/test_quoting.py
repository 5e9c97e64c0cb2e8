"""Someone else's words in an official mail: quoted, every link disabled (twofactor.quoting)."""

import pytest

from twofactor.quoting import defang, quoted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Approve: https://evil.example/approve?x=1", "Approve: hxxps://evil[.]example/approve?x=1"),
        ("HTTP://Evil.Example", "HxxP://Evil[.]Example"),
        ("visit www.evil.example now", "visit www[.]evil[.]example now"),
        ("http://192.0.2.7/x", "hxxp://192[.]0[.]2[.]7/x"),
        ("write to a@b.co", "write to a@b[.]co"),
        ("version 3.5, e.g. me", "version 3.5, e.g. me"),
    ],
)
def test_links_and_host_names_are_disabled_and_the_rest_is_left_alone(text, expected):
    assert defang(text) == expected


def test_each_line_is_quoted():
    assert quoted("first https://x.org\n\nthird") == "> first hxxps://x[.]org\n>\n> third"
    assert quoted("") == ">"
