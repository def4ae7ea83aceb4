"""What an attached file is, decided from its bytes, never from its name or the browser's word:
JPEG, PNG or PDF by their magic bytes; images must open and decode completely in Pillow, and are
re-encoded with the EXIF orientation applied and every other piece of metadata (GPS, camera,
comments, ICC) left behind; a thumbnail is made. Refusals name the file and the reason in Russian."""

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from ..domain.attachments import IMAGE_TYPES, JPEG, MAX_BYTES, MAX_FILES, NAME_MAX, PDF, PNG, THUMB_PX
from .errors import ValidationFailed

MAX_PIXELS = 50_000_000  # a decompression bomb stops here, before it fills the memory
_EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
_ACCEPTED = "JPG/PNG/PDF"


@dataclass(frozen=True)
class Prepared:
    """A checked file, ready to be stored: `data` is what will be kept (a cleaned image, or the PDF
    as it came), `thumb` a JPEG thumbnail of an image."""

    name: str
    content_type: str
    data: bytes
    thumb: bytes | None
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.content_type]


def clean_name(name: object) -> str:
    """The original name as shown and offered on download: no folders, no control characters."""
    text = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C")
    text = text.strip().strip(".") or "файл"
    if len(text) > NAME_MAX:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else text[:NAME_MAX]
    return text


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def check_count(existing: int, adding: int) -> None:
    if existing + adding > MAX_FILES:
        left = max(0, MAX_FILES - existing)
        raise ValidationFailed(f"Можно приложить не больше {MAX_FILES} файлов"
                               + (f": добавить можно ещё {left}" if existing else ""))


def check_size(name: str, size: int) -> None:
    if size > MAX_BYTES:
        raise ValidationFailed(f"Файл «{name}» больше {MAX_BYTES // (1024 * 1024)} МБ ({_megabytes(size)})")
    if size == 0:
        raise ValidationFailed(f"Файл «{name}» пустой")


def check_file(name: object, data: bytes) -> Prepared:
    name = clean_name(name)
    check_size(name, len(data))
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(f"Файл «{name}» не принят: по содержимому это не {_ACCEPTED}"
                               " (важно содержимое, а не расширение имени)")
    if kind == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise ValidationFailed(f"Файл «{name}» не принят: PDF повреждён или оборван")
        return Prepared(name, PDF, data, None, hashlib.sha256(data).hexdigest())
    cleaned, thumb = _clean_image(name, data, kind)
    return Prepared(_with_extension(name, kind), kind, cleaned, thumb, hashlib.sha256(cleaned).hexdigest())


def _clean_image(name: str, data: bytes, kind: str) -> tuple[bytes, bytes]:
    broken = ValidationFailed(f"Файл «{name}» не принят: изображение повреждено или оборвано")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG"] if kind == JPEG else ["PNG"]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationFailed(f"Файл «{name}» не принят: слишком большое изображение "
                                           f"({image.width}×{image.height} точек)")
                image.load()  # decodes everything: a truncated file fails here
                upright = ImageOps.exif_transpose(image)
    except ValidationFailed:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            EOFError) as exc:
        raise broken from exc
    upright.info = {}  # nothing of the original's metadata travels to the new file
    if kind == JPEG:
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = _encode(upright, "JPEG", quality=90, optimize=True)
    else:
        if upright.mode not in ("RGB", "RGBA", "L", "LA"):
            upright = upright.convert("RGBA")
        out = _encode(upright, "PNG", optimize=False)
    return out, _thumbnail(upright)


def _thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMB_PX, THUMB_PX))
    if small.mode in ("RGBA", "LA"):
        background = Image.new("RGB", small.size, "white")
        background.paste(small, mask=small.getchannel("A"))
        small = background
    elif small.mode != "RGB":
        small = small.convert("RGB")
    return _encode(small, "JPEG", quality=80)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _with_extension(name: str, kind: str) -> str:
    """A photo keeps its name; an extension that lies about the content is corrected on download."""
    stem, dot, ext = name.rpartition(".")
    allowed = {JPEG: {"jpg", "jpeg"}, PNG: {"png"}}[kind]
    if dot and ext.lower() in allowed:
        return name
    return clean_name((stem if dot else name) + _EXTENSIONS[kind])


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} МБ".replace(".", ",")


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES
