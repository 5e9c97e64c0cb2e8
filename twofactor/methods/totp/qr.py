"""Authenticator enrolment: the otpauth:// URI (Key Uri Format) and its QR code as inline SVG."""

import base64
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg


def base32_secret(key: bytes) -> str:
    return base64.b32encode(key).decode("ascii").rstrip("=")


def grouped(secret: str) -> str:
    """ABCD EFGH …: easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(key: bytes, *, issuer: str, account: str, digits: int = 6, period: int = 30) -> str:
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": base32_secret(key), "issuer": issuer, "algorithm": "SHA1", "digits": digits, "period": period},
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(data: str) -> str:
    """An <svg> element (no XML prologue) for embedding in a page."""
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4
    )  # the quiet zone ISO/IEC 18004 asks for
    svg = image.to_string(encoding="unicode")
    return svg[svg.index("<svg") :]


def data_url(svg: str) -> str:
    """An SVG document as a data: URL, for <img src> (the page's CSP-free inline image)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
