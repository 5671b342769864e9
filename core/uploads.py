"""Uploaded files: the checks every upload gets, and tables (CSV or XLSX) read as text."""

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass

from django import forms
from django.conf import settings
from openpyxl import load_workbook

# The file types a proof may be, told from the first bytes of the file, never from its name.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"%PDF-": "application/pdf",
}


class NotATable(Exception):
    pass


class BadUpload(ValueError):
    """An uploaded file the app refuses; the message says why in plain words."""


def as_sentence(problems: list[str]) -> str:
    """A row's problems as one sentence: "Email … is not valid; equipment … must be …"."""
    text = "; ".join(problems)
    return text[0].upper() + text[1:] + "."


def check_table_upload(upload, *, what: str):
    """A CSV or XLSX upload within the size limit, or a message saying what to do instead."""
    limit = settings.ROSTER_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {upload.size // 1024} KB; {what} may be at most {limit // 1024} KB."
        )
    if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise forms.ValidationError(
            "Upload a CSV file or an Excel (.xlsx) workbook; save older .xls files as .xlsx."
        )
    return upload


def read_table(content: bytes) -> list[list[str]]:
    """The cells of a CSV or XLSX file as text, or NotATable."""
    if content.startswith(b"PK\x03\x04"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a zip that is not a workbook
            raise NotATable from exc
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append([_cell_text(v) for v in values])
        workbook.close()
        return table
    if b"\x00" in content[:4096]:
        raise NotATable
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise NotATable from exc
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise NotATable from exc


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # employee IDs typed as numbers come back as 1234.0
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def detect_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


@dataclass
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str


def check_proof_file(upload) -> CheckedFile:
    """Read and check an uploaded proof: size, then type from the content; BadUpload if bad."""
    limit = settings.PROOF_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise BadUpload(f"The file is {upload.size // 1024} KB; proof may be at most {limit // 1024} KB.")
    content = upload.read()
    if not content:
        raise BadUpload("The file is empty.")
    content_type = detect_type(content[:16])
    if content_type is None:
        raise BadUpload("Proof must be a PNG or JPEG screenshot or a PDF; this file is none of them.")
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest())
