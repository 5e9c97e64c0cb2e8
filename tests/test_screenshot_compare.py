"""The README's screenshots are compared with fresh renders (tests/browser/pages.py): a few anti-aliased pixels
may differ, a changed page may not."""

import shutil

from PIL import Image, ImageDraw

from tests.browser.pages import DOCS, compare_with_committed

PICTURE = "sign-in-390-light.png"


def test_the_same_picture_matches(tmp_path):
    fresh = tmp_path / PICTURE
    shutil.copy(DOCS / PICTURE, fresh)
    assert compare_with_committed(fresh) is None


def test_a_changed_page_is_drift(tmp_path):
    fresh = tmp_path / PICTURE
    image = Image.open(DOCS / PICTURE).convert("RGB")
    ImageDraw.Draw(image).rectangle((20, 100, 370, 200), fill=(200, 30, 30))  # a new red banner
    image.save(fresh)
    assert "of the pixels changed" in compare_with_committed(fresh)


def test_a_page_of_another_size_is_drift(tmp_path):
    fresh = tmp_path / PICTURE
    Image.open(DOCS / PICTURE).crop((0, 0, 390, 500)).save(fresh)
    assert "the page is (390, 500) now" in compare_with_committed(fresh)
