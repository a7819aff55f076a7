"""The release files, as benches fetch them: plain HTTP, a Range to resume, nothing else.

Public on purpose: a release is the project's open-source code, and a bench trusts it for its
Ed25519 signature over the manifest, not for where it came from (docs/updates.md)."""
import re

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_GET

_RANGE = re.compile(r"^bytes=(\d+)-$")


@require_GET
def release_file(request, seq: int, path: str):
    try:
        full = safe_join(str(settings.HUB_RELEASES_DIR), str(seq), path)
        with open(full, "rb") as f:
            data = f.read()
    except (OSError, SuspiciousFileOperation):  # missing, a directory, or a path leaving the release
        raise Http404("no such release file")
    start = 0
    match = _RANGE.match(request.headers.get("Range", ""))
    if match:
        start = int(match.group(1))
        if start >= len(data) and data:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{len(data)}"
            return response
    response = HttpResponse(data[start:], status=206 if match else 200, content_type="application/octet-stream")
    if match:
        response["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    response["Cache-Control"] = "no-store"
    return response
