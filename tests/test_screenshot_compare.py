"""The committed screenshots (README and docs) are compared with fresh renders (tests/browser/pages.py): a few anti-aliased pixels
may differ, a changed page may not."""

import shutil

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from tests.browser.pages import DOCS, compare_with_committed

PICTURE = "sign-in-390-light.png"
#: The colour the screenshots once masked dynamic content with.
MASK_GREY = (0x8C, 0x95, 0xA6)


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


def masked_box(path) -> tuple | None:
    """Where a picture holds a solid 25 x 25 box of the grey that used to mask dates and keys, if anywhere."""
    image = Image.open(path).convert("RGB")
    same = ImageChops.difference(image, Image.new("RGB", image.size, MASK_GREY)).convert("L")
    return same.point(lambda value: 255 if value == 0 else 0).filter(ImageFilter.MinFilter(25)).getbbox()


def test_a_masked_box_is_found(tmp_path):
    image = Image.open(DOCS / PICTURE).convert("RGB")
    ImageDraw.Draw(image).rectangle((40, 300, 200, 340), fill=MASK_GREY)
    image.save(tmp_path / PICTURE)
    assert masked_box(tmp_path / PICTURE) == (52, 312, 189, 329)


@pytest.mark.parametrize("picture", sorted(path.name for path in DOCS.glob("*.png")))
def test_no_committed_picture_hides_anything_behind_a_grey_box(picture):
    """The pictures come from a frozen clock and fixed data (tests/support/still_pictures.py), not masks."""
    assert masked_box(DOCS / picture) is None
