"""The API documentation page (``/api/docs``): Swagger UI served from vendored files, so it works offline.

The assets come from the ``swagger-ui-bundle`` package (Swagger UI 4.15, which reads OpenAPI 3.0); the page
has no inline script (its start-up code is ``/api/docs/assets/planmap-docs.js``, which reads the document's
URL from a data attribute), so it runs under the default Content-Security-Policy.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.deps import PREFIX_KEY
from api.errors import NotFoundError

router = APIRouter()

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _swagger_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


#: the only files served under /api/docs/assets (name → media type); anything else is a 404
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "planmap-docs.js": "text/javascript",
}


@router.get("/api/docs", include_in_schema=False)
def docs_page(request: Request) -> HTMLResponse:
    """Swagger UI for this plan's OpenAPI document, from local files only."""
    prefix = request.scope.get(PREFIX_KEY, "")
    assets = f"{prefix}/api/docs/assets"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>planmap — API 接口文档</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(prefix)}/api"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script src="{assets}/planmap-docs.js"></script>
</body>
</html>
"""
    return HTMLResponse(page)


@router.get("/api/docs/assets/{name}", include_in_schema=False)
def docs_asset(name: str) -> FileResponse:
    """One of the vendored Swagger UI files (or the page's start-up script)."""
    if name not in ASSETS:
        raise NotFoundError(f"no documentation asset {name!r}")
    path = TEMPLATES_DIR / name if name.startswith("planmap-") else _swagger_dir() / name
    return FileResponse(path, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})
