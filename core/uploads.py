"""Uploaded files: the checks every upload gets, and tables (CSV or XLSX) read as text."""

import csv
import datetime
import hashlib
import io
import time
import zipfile
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
    """A file that cannot be read as a table, or one too big to read; the message says which."""

    def __init__(
        self, message: str = "This file is not a table. Upload a CSV file or an Excel (.xlsx) workbook."
    ):
        super().__init__(message)


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


def numbered_rows(content: bytes) -> list[tuple[int, list[str]]]:
    """The rows of a CSV or XLSX file that hold a value, each with its row number as a
    spreadsheet shows it (rows with no value at all, as sheets often end with, are dropped);
    NotATable, saying what to do, for an empty file or one that is no table."""
    if not content.strip():
        raise NotATable("The file is empty.")
    table = read_table(content)
    return [(i + 1, row) for i, row in enumerate(table) if any(str(c).strip() for c in row)]


def read_table(content: bytes) -> list[list[str]]:
    """The cells of a CSV or XLSX file as text, or NotATable.

    A hostile or runaway file is refused before it can hold a worker: a workbook whose parts
    unpack to more than TABLE_MAX_UNCOMPRESSED_BYTES is not opened; no more than TABLE_MAX_ROWS
    rows with values and TABLE_MAX_COLUMNS columns are read; reading stops after TABLE_READ_SECONDS.
    (Workbook XML is parsed through defusedxml, so entity bombs are refused too.)
    """
    reader = _TableReader()
    if content.startswith(b"PK\x03\x04"):
        return reader.workbook(content)
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
        return reader.rows(csv.reader(io.StringIO(text)), lambda row: row)
    except csv.Error as exc:
        raise NotATable from exc


class _TableReader:
    def __init__(self) -> None:
        self.max_rows = settings.TABLE_MAX_ROWS
        self.max_columns = settings.TABLE_MAX_COLUMNS
        self.deadline = time.monotonic() + settings.TABLE_READ_SECONDS

    def workbook(self, content: bytes) -> list[list[str]]:
        limit = settings.TABLE_MAX_UNCOMPRESSED_BYTES
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError) as exc:
            raise NotATable from exc
        if unpacked > limit:
            raise NotATable(
                f"This workbook unpacks to {unpacked // (1024 * 1024)} MB; a table may be at most "
                f"{limit // (1024 * 1024)} MB unpacked. Save the rows you need as a CSV file."
            )
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a zip that is not a workbook
            raise NotATable from exc
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=self.max_columns + 1)
            return self.rows(rows, lambda values: [_cell_text(v) for v in values])
        except NotATable:
            raise
        except Exception as exc:  # a damaged sheet
            raise NotATable from exc
        finally:
            workbook.close()

    def rows(self, rows, as_text) -> list[list[str]]:
        table, filled = [], 0
        for values in rows:
            row = as_text(values)
            if any(row):
                filled += 1
                if filled > self.max_rows:
                    raise NotATable(
                        f"The file has more than {self.max_rows:,} rows; split it, or keep only the "
                        f"rows of this cohort."
                    )
                if len(row) > self.max_columns and any(row[self.max_columns :]):
                    raise NotATable(
                        f"The file has more than {self.max_columns} columns; keep the ones asked for."
                    )
            table.append(row)
            if time.monotonic() > self.deadline:
                raise NotATable("The file took too long to read; keep only the rows and columns asked for.")
        return table


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


def check_proof_file(upload, *, what: str = "proof") -> CheckedFile:
    """Read and check an uploaded proof (or another screenshot or PDF, `what`): size, then type
    from the content; BadUpload if bad."""
    limit = settings.PROOF_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise BadUpload(f"The file is {upload.size // 1024} KB; {what} may be at most {limit // 1024} KB.")
    content = upload.read()
    if not content:
        raise BadUpload("The file is empty.")
    content_type = detect_type(content[:16])
    if content_type is None:
        kind = f"{what[0].upper()}{what[1:]}"
        raise BadUpload(f"{kind} must be a PNG or JPEG screenshot or a PDF; this file is none of them.")
    return CheckedFile(content, content_type, hashlib.sha256(content).hexdigest())
