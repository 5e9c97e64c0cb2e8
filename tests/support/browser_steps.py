"""What a person does in the browser tests (Playwright pages): sign up, sign in, enter a code, read a QR code."""

import io


def decode_qr(png: bytes) -> str:
    """The text of the one QR code in a PNG image, read by zxing-cpp (a real decoder)."""
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, f"expected one QR code, found {len(results)}"
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].text


def sign_up(page, username: str, password: str) -> None:
    """The sign-up form, as a person fills it (the address is <username>@example.com)."""
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()


def sign_in_with_password(page, username: str, password: str) -> None:
    """The password step, as a person does it."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def enter_code(page, code: str, *, remember: bool = False) -> None:
    """The second step on /2fa/verify/."""
    page.fill("input[name=code]", code)
    if remember:
        page.check("input[name=remember]")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
