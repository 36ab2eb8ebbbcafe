"""Reading a CV: PDF, DOCX and text; what is too large, locked, scanned, macro-laden or not what it says."""

from __future__ import annotations

import io

import pytest

from interviews.skills.documents import MAX_CV_BYTES, CVError, read_cv
from tests.interviews.skills.cv_files import docx, docx_with_macros, encrypted_pdf, scanned_pdf, text_pdf

CV_LINES = [
    "Grace Hopper - Backend engineer",
    "Five years building REST APIs in Python and Django on PostgreSQL.",
    "Deployed services with Docker and Kubernetes on AWS.",
]


def read(name: str, data: bytes, size: int | None = None) -> str:
    return read_cv(name=name, size=len(data) if size is None else size, stream=io.BytesIO(data))


def test_a_text_pdf_is_read_line_by_line():
    text = read("cv.pdf", text_pdf(CV_LINES))
    assert "REST APIs in Python and Django" in text
    assert "Kubernetes on AWS" in text


def test_a_docx_is_read_with_its_paragraphs():
    assert "Docker and Kubernetes" in read("cv.docx", docx(CV_LINES))


def test_plain_text_in_utf8_and_windows_encodings_is_read():
    assert "Café" in read("cv.txt", "Café owner turned Python developer, SQL and pandas.".encode())
    assert "Café" in read("cv.txt", "Café owner turned Python developer, SQL and pandas.".encode("cp1252"))


def test_a_50_mb_file_is_refused_before_reading_it():
    with pytest.raises(CVError, match="50 MB; the limit is 5 MB"):
        read_cv(name="cv.pdf", size=50 * 1024 * 1024, stream=io.BytesIO(b"never read"))


def test_a_file_larger_than_its_declared_size_is_refused():
    with pytest.raises(CVError, match="larger than 5 MB"):
        read("cv.txt", b"a" * (MAX_CV_BYTES + 10), size=100)


def test_a_password_protected_pdf_says_so():
    with pytest.raises(CVError, match="password-protected"):
        read("cv.pdf", encrypted_pdf(CV_LINES))


def test_a_pdf_encrypted_with_an_empty_password_opens():
    assert "Kubernetes on AWS" in read("cv.pdf", encrypted_pdf(CV_LINES, password=""))


def test_a_scanned_pdf_without_text_says_it_looks_scanned():
    with pytest.raises(CVError, match="looks scanned"):
        read("cv.pdf", scanned_pdf())


def test_a_docx_with_macros_is_never_opened():
    with pytest.raises(CVError, match="contains macros"):
        read("cv.docx", docx_with_macros(CV_LINES))


@pytest.mark.parametrize("name", ["cv.docm", "cv.doc", "cv.exe", "cv", "cv.html"])
def test_other_file_types_are_refused_by_name(name):
    with pytest.raises(CVError, match="PDF, DOCX"):
        read(name, b"whatever")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cv.pdf", b"PK\x03\x04 a zip, not a PDF", "not a PDF"),
        ("cv.pdf", b"%PDF-1.4\n garbage without objects", "could not be read|looks scanned"),
        ("cv.docx", b"%PDF-1.4 not a zip", "not a DOCX"),
        ("cv.txt", b"\x00\x01\x02 binary", "not plain text"),
        ("cv.txt", b"   \n  ", "no text"),
    ],
)
def test_files_that_are_not_what_their_name_says_get_a_clear_message(name, data, message):
    with pytest.raises(CVError, match=message):
        read(name, data)
