"""``/files`` in the double: multipart upload with DeepSeek's purposes and limits, list, retrieve and delete.

Ids look like ``file-api-…``; ``/files/{id}/content`` is refused, since DeepSeek keeps no downloadable copy
(api/upload-file). Upload is free and needs no balance.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import threading
import urllib.parse
from typing import Any

from .._models import FILE_LIMITS
from ._api_error import ApiError
from ._checks import _shape

__all__ = ["FILE_PURPOSES", "FileStore", "file_kind", "not_found", "parse_form"]

FILE_PURPOSES = ("user_data", "text_recognition", "rich_layout_recognition")
"""``purpose`` values DeepSeek accepts: images for chat, and two kinds of document parsing."""
_EXPIRY = (3600, 2_592_000)  # expires_after[seconds] range (api/upload-file)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")
_DOCUMENTS = (".pdf", ".doc", ".docx", ".ppt", ".pptx")


def file_kind(filename: str, data: bytes) -> str:
    """Return ``"image"``, ``"document"`` or ``"text"``: which size limit of :data:`FILE_LIMITS` applies."""
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    return "document" if filename.lower().endswith(_DOCUMENTS) or data.startswith(b"%PDF") else "text"


def parse_form(content_type: str, raw: bytes) -> dict[str, tuple[bytes, str | None]]:
    """Return each ``multipart/form-data`` field as ``(value, filename)``."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str):
            fields[name] = (payload if isinstance(payload, bytes) else b"", part.get_filename())
    return fields


class FileStore:
    """The files uploaded to one double, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, dict[str, Any]] = {}
        self._uploads = 0
        self.data: dict[str, bytes] = {}
        """The bytes of each file by id, for tests to compare (the API itself never gives them back)."""

    def upload(self, content_type: str, raw: bytes, created: int) -> dict[str, Any] | ApiError:
        """Store an upload and return its file object, or DeepSeek's refusal."""
        if not content_type.startswith("multipart/form-data"):
            return _shape("expected a multipart/form-data body")
        form = parse_form(content_type, raw)
        if "file" not in form or "purpose" not in form:
            return _shape(f"missing field `{'file' if 'file' not in form else 'purpose'}`")
        purpose = form["purpose"][0].decode(errors="replace")
        if purpose not in FILE_PURPOSES:
            return ApiError.from_rule("file_purpose", purpose=purpose)
        data, filename = form["file"]
        kind = file_kind(filename or "", data)
        if len(data) > FILE_LIMITS[kind]:
            return ApiError.from_rule("file_size", kind=kind, limit=FILE_LIMITS[kind])
        expires_at = None
        if "expires_after[seconds]" in form:
            seconds = form["expires_after[seconds]"][0].decode(errors="replace")
            if not seconds.isdigit() or not _EXPIRY[0] <= int(seconds) <= _EXPIRY[1]:
                return ApiError.from_rule("file_expiry")
            expires_at = created + int(seconds)
        with self._lock:
            self._uploads += 1  # a counter, not len(): ids must stay unique after deletions
            digest = hashlib.sha256(f"{self._uploads}:{filename}:{len(data)}".encode()).hexdigest()[:24]
            file_id = f"file-api-{digest}"
            record = {
                "id": file_id,
                "object": "file",
                "bytes": len(data),
                "created_at": created,
                "filename": filename or "upload",
                "purpose": purpose,
                "status": "processed",  # the reply comes after parsing (api/upload-file)
                "status_details": None,
                "expires_at": expires_at,
            }
            self._files[file_id] = record
            self.data[file_id] = data
        return dict(record)

    def listing(self, query: str = "") -> dict[str, Any]:
        """``GET /files``, honouring the ``after`` cursor and ``limit`` (the SDK pages with them)."""
        params = dict(urllib.parse.parse_qsl(query))
        with self._lock:
            records = [dict(r) for r in self._files.values()]
        ids = [r["id"] for r in records]
        start = ids.index(params["after"]) + 1 if params.get("after") in ids else 0
        limit = int(params["limit"]) if params.get("limit", "").isdigit() else 10_000
        page = records[start : start + limit]
        return {"object": "list", "data": page, "has_more": start + limit < len(records)}

    def get(self, file_id: str) -> dict[str, Any] | None:
        """Return the file object, or ``None`` for an unknown id."""
        with self._lock:
            record = self._files.get(file_id)
        return dict(record) if record is not None else None

    def delete(self, file_id: str) -> dict[str, Any] | None:
        """``DELETE /files/{id}``: the deletion record, or ``None`` for an unknown id."""
        with self._lock:
            if self._files.pop(file_id, None) is None:
                return None
            self.data.pop(file_id, None)
        return {"id": file_id, "object": "file", "deleted": True}

    def __len__(self) -> int:
        with self._lock:
            return len(self._files)


def not_found(file_id: str) -> ApiError:
    """Return the 404 for an unknown file id."""
    return ApiError.from_rule("file_not_found", file_id=file_id)
