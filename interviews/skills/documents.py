"""Reads the text of a candidate's CV: PDF (pypdf), DOCX (python-docx) or plain text, refusing what is unsafe
or unreadable with a message the candidate can act on."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath
from typing import BinaryIO

from interviews.skills.extraction import MAX_TEXT_CHARS

MAX_CV_BYTES = 5 * 1024 * 1024
MAX_PDF_PAGES = 20
MIN_TEXT_CHARS = 40  # fewer readable characters than this: a scan or an empty document
TEXT_SUFFIXES = frozenset({".txt", ".md", ".text"})
CV_SUFFIXES = frozenset({".pdf", ".docx", *TEXT_SUFFIXES})
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class CVError(ValueError):
    """The CV cannot be used; `user_message` says why and what to do instead."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


def read_cv(*, name: str, size: int, stream: BinaryIO) -> str:
    """The CV's text (at most MAX_TEXT_CHARS). Raises CVError for anything unusable."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix == ".docm" or suffix == ".doc":
        raise CVError(
            "Please upload your CV as PDF, DOCX (without macros) or plain text: "
            f"{suffix} files are not accepted."
        )
    if suffix not in CV_SUFFIXES:
        raise CVError("Please upload your CV as a PDF, DOCX or plain text (.txt) file.")
    if size > MAX_CV_BYTES:
        raise CVError(
            f"That CV is {size / 1024 / 1024:.0f} MB; the limit is {MAX_CV_BYTES // 1024 // 1024} MB. "
            "Please upload a smaller file (a text-only PDF is usually under 1 MB)."
        )
    data = stream.read(MAX_CV_BYTES + 1)
    if len(data) > MAX_CV_BYTES:  # the declared size lied
        raise CVError(
            f"That CV is larger than {MAX_CV_BYTES // 1024 // 1024} MB. Please upload a smaller file."
        )
    if suffix == ".pdf":
        text = _pdf_text(data)
    elif suffix == ".docx":
        text = _docx_text(data)
    else:
        text = _plain_text(data)
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if len(text) < MIN_TEXT_CHARS:
        if suffix == ".pdf":
            raise CVError(
                "We could not find any text in that PDF: it looks scanned (pictures of pages). "
                "Please upload a PDF exported from your word processor, or a DOCX or text file."
            )
        raise CVError("That CV has (almost) no text in it. Please check the file and upload it again.")
    return text[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF"):
        raise CVError("That file is not a PDF, although its name ends in .pdf.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise CVError(
                "That PDF is password-protected. Please upload a copy without a password "
                "(or a DOCX or text file)."
            )
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n".join(page.extract_text() or "" for page in pages)
    except CVError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as error:
        raise CVError("That PDF could not be read; it may be damaged. Please export it again.") from error


def _opens_without_password(reader) -> bool:
    """Many PDFs are "encrypted" with an empty user password only (they open without asking): fine to read."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # an unsupported cipher is as good as a password we do not have
        return False


def _docx_text(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise CVError("That file is not a DOCX document, although its name ends in .docx.") from error
    content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if any(name.lower().endswith("vbaproject.bin") for name in names) or b"macroEnabled" in content_types:
        raise CVError(
            "That document contains macros, which we never open. Please save it as a plain DOCX "
            "(Word: File > Save As > Word Document) or as a PDF, and upload it again."
        )
    if "word/document.xml" not in names:
        raise CVError("That file is not a DOCX document, although its name ends in .docx.")
    # A zip bomb would expand in memory: refuse a document whose text part is absurdly large.
    if archive.getinfo("word/document.xml").file_size > 20 * MAX_CV_BYTES:
        raise CVError("That document is too large to read. Please upload a shorter CV.")
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises several types for a broken package
        raise CVError("That DOCX could not be read; it may be damaged. Please save it again.") from error
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _plain_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise CVError("That file is not plain text. Please upload a PDF, DOCX or .txt file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")
