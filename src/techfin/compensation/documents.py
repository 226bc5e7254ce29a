"""Claim documents (申请材料): what is accepted and how its type is told.

The type is read from the file's first bytes (its signature), not from its name or the type the
browser claims: a renamed executable named ``合同.pdf`` is refused. Only PDF, PNG and JPEG are
accepted (the scans and photos banks send); the extension must agree with the content.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
"""20 MB a file: a scanned contract of a few dozen pages at 300 dpi fits; larger is refused."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    signature: bytes


ACCEPTED_TYPES = (
    FileType("application/pdf", (".pdf",), b"%PDF-"),
    FileType("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    FileType("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
)


class DocumentRefused(ValueError):
    """A file that is not accepted; ``code`` is stable, the messages say why."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        self.code, self.message_zh, self.message_en = code, message_zh, message_en
        super().__init__(f"{code}: {message_en}")


def sniff(content: bytes, filename: str) -> FileType:
    """The accepted type of ``content``, or ``DocumentRefused`` naming the problem."""
    if not content:
        raise DocumentRefused("document.empty", "文件为空", "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
        raise DocumentRefused("document.too_large", f"文件超过{limit}MB", f"the file is larger than {limit} MB")
    found = next((t for t in ACCEPTED_TYPES if content.startswith(t.signature)), None)
    if found is None:
        raise DocumentRefused("document.type", "只接受PDF、PNG或JPEG文件（按文件内容判断）",
                              "only PDF, PNG or JPEG files are accepted (judged by the content)")
    lowered = filename.lower()
    if not lowered.endswith(found.extensions):
        raise DocumentRefused("document.extension_mismatch",
                              f"文件扩展名与内容不符：内容是{found.content_type}，应为{'、'.join(found.extensions)}",
                              f"the file name does not match its content ({found.content_type}: use "
                              f"{', '.join(found.extensions)})")
    return found
