"""Files for the attachment tests, made on the spot: photos with EXIF, a PDF, impostors."""

import io

from PIL import Image


def jpeg(width=640, height=480, color=(200, 80, 40), exif_gps=False, orientation=None, quality=85) -> bytes:
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 8):  # something to compress, and to see which way is up
        image.putpixel((x, x * height // max(width, 1) % height), (0, 0, 0))
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "Phone 12"  # Model
        exif[0x8825] = {1: "N", 2: (53.0, 1.0, 2.5), 3: "E", 4: (158.0, 39.0, 1.0)}  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes() if len(exif) else b"")
    return buffer.getvalue()


def png(width=300, height=200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (20, 120, 200, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf() -> bytes:
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return body


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
