"""Uploaded files judged by their content, not by their name.

A name is whatever the uploader typed: a web page renamed “报告.pdf” would be served back as a
PDF. The first bytes (and, for Office's ZIP formats, the parts inside) say what a file really is.
"""

import os
import unicodedata
import zipfile

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

# What a file of each type starts with, and the names such a file may have. Word, Excel and
# PowerPoint since 2007 are ZIP archives told apart by their main part (see _office_zip_type);
# the 97–2003 formats share one container (OLE) whose inner parts this does not read.
SIGNATURES = {
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "zip": b"PK\x03\x04",
    "ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
}
EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpg": {"jpg", "jpeg"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "ole": {"doc", "xls", "ppt"},
}
TYPE_NAMES = {
    "pdf": "PDF",
    "png": "PNG",
    "jpg": "JPG",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "pptx": "PowerPoint (.pptx)",
    "ole": "Office 97–2003 (.doc/.xls/.ppt)",
}
# What a stored file is served as, by the type its content shows.
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OFFICE_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}


def _office_zip_type(file):
    try:
        names = set(zipfile.ZipFile(file).namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    return next((kind for part, kind in _OFFICE_MAIN_PARTS.items() if part in names), None)


def upload_clean_name(name: str) -> str:
    """The uploader's file name as one plain line (no folders, control or format characters),
    kept to show and to name the download."""
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"})
    return name.strip()[-200:] or "file"


def upload_extension(file) -> str:
    """The extension of the uploaded name, lower case, without the dot ("" when it has none)."""
    return file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""


def upload_content_type(file) -> str | None:
    """The file's type as its content says: a key of EXTENSIONS, or None when it is none of them."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    kind = next((kind for kind, magic in SIGNATURES.items() if head.startswith(magic)), None)
    if kind == "zip":
        kind = _office_zip_type(file)
        file.seek(0)
    return kind


def upload_check_content(file, *, field: str, label: str) -> str:
    """Refuse a file whose content is not what its name says; return its type.

    The error is keyed by `field` and names it by `label`, as a form would.
    """
    extension = upload_extension(file)
    kind = upload_content_type(file)
    if kind is None:
        raise ValidationError(
            {
                field: _(
                    "%(label)s: the content of this file is not a real “.%(extension)s” file "
                    "(for example a web page renamed); upload the original document."
                )
                % {"label": label, "extension": extension}
            }
        )
    if extension not in EXTENSIONS[kind]:
        raise ValidationError(
            {
                field: _(
                    "%(label)s: the file's content is %(kind)s but its name ends in "
                    "“.%(extension)s”; upload it under its real type."
                )
                % {"label": label, "kind": TYPE_NAMES[kind], "extension": extension}
            }
        )
    return kind


def upload_private_response(file, *, filename: str) -> FileResponse:
    """A stored upload as a download for the one person allowed to read it: typed by its
    content, never kept by a cache."""
    file.open("rb")
    kind = upload_content_type(file)
    response = FileResponse(
        file,
        as_attachment=True,
        filename=filename,
        content_type=MEDIA_TYPES.get(kind, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    return response
