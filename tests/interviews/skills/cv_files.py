"""CV files built in the test: a text PDF (by hand, as a PDF writer lays it out), an encrypted one, a scan
(an image-only page), a DOCX and a DOCX with macros."""

from __future__ import annotations

import io
import zipfile


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose page draws `lines` in Helvetica: real text a PDF reader extracts."""
    text_ops = (
        "BT /F1 11 Tf 72 760 Td 14 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines
        )
        + " ET"
    )
    return _pdf([b"<< /Font << /F1 4 0 R >> >>", text_ops.encode("latin-1")])


def scanned_pdf() -> bytes:
    """A page that is only a picture (a 2x2 grey image): what a scanner produces, with no text layer."""
    image = b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\x80\x80\x80\x80\nendstream"
    return _pdf([b"<< /XObject << /Im1 5 0 R >> >>", b"q 200 0 0 200 72 500 cm /Im1 Do Q"], extra=image)


def _pdf(page: list[bytes], extra: bytes | None = None) -> bytes:
    resources, content = page
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        + resources
        + b" /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        extra or b"<< >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf(lines: list[str], password: str = "s3cret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(lines))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def docx_with_macros(paragraphs: list[str]) -> bytes:
    """A DOCX package carrying a VBA project, as Word saves a macro-enabled document."""
    source = zipfile.ZipFile(io.BytesIO(docx(paragraphs)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/vbaProject.bin", b'\xd0\xcf\x11\xe0 Attribute VB_Name = "Module1"')
    return out.getvalue()
