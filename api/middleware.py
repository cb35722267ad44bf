"""ASGI middleware that keeps the service answerable: trusted hosts, HEAD, body limits, back-pressure on heavy
routes, security headers and conditional GET (ETag / If-None-Match).

Every refusal is the documented JSON error ``{code, description, status}``. The classes are plain ASGI (no
``BaseHTTPMiddleware``), so they add no thread hops and stream file downloads untouched.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: media types whose bodies get an ETag (buffered, up to :data:`ETAG_MAX_BYTES`)
_ETAG_TYPES = ("application/json", "application/geo+json", "text/html", "text/csv", "image/svg+xml",
               "application/vnd.oai.openapi+json", "text/plain", "text/css", "application/javascript",
               "text/javascript")
ETAG_MAX_BYTES = 32 * 1024 * 1024
#: the policy of HTML pages that set none themselves (OGC pages, API docs): scripts only from files
DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
               "form-action 'self'; frame-ancestors 'self'")


async def send_error(send: Send, status: int, code: str, description: str,
                     headers: Iterable[tuple[str, str]] = ()) -> None:
    """Send the documented JSON error document as a complete response."""
    body = json.dumps({"code": code, "description": description, "status": status}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"x-content-type-options", b"nosniff")]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


# ---------------------------------------------------------------------------------------------- trusted hosts
def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether a Host header value (port stripped) is one of ``allowed`` (``*`` = any, ``*.x`` = subdomains)."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[: name.find("]") + 1] if "]" in name else name
    else:
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    for pattern in allowed:
        pattern = pattern.strip().lower()
        if pattern == "*" or pattern == name or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class TrustedHosts:
    """Refuse a request whose ``Host`` is not allowed (400), so no link is ever built from a forged Host."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.allowed:
            host = _header(scope, b"host") or ""
            if not host_allowed(host, self.allowed):
                await send_error(send, 400, "InvalidHost",
                                 f"Host {host[:80]!r} is not served here; set PLANMAP_ALLOWED_HOSTS or "
                                 "PLANMAP_PUBLIC_URL to accept it")
                return
        await self.app(scope, receive, send)


# ---------------------------------------------------------------------------------------------- HEAD
class HeadAsGet:
    """Answer ``HEAD`` on every ``GET`` resource: run the GET, send its headers and no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


# ---------------------------------------------------------------------------------------------- body size
class BodyLimit:
    """413 for a request body over the route's limit, before the application reads or parses any of it.

    A declared ``Content-Length`` over the limit is refused at once; a body without one (chunked) is read up
    to the limit and refused as soon as it passes it.
    """

    def __init__(self, app: ASGIApp, default: int, upload: int, upload_paths: list[str]) -> None:
        self.app = app
        self.default = default
        self.upload = upload
        self.upload_paths = tuple(upload_paths)

    def limit(self, path: str) -> int:
        """The body limit of a path: the upload limit under an upload prefix, else the default."""
        return self.upload if self.upload_paths and path.startswith(self.upload_paths) else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await send_error(send, 400, "InvalidParameter", "Content-Length is not a number")
                return
            if size > limit:
                await self._refuse(send, size, limit)
                return
            await self.app(scope, receive, send)
            return
        # no length given: read up to the limit, then replay what was read
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                await self._refuse(send, total, limit, at_least=True)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, size: int, limit: int, *, at_least: bool = False) -> None:
        told = f"more than {limit:,}" if at_least else f"{size:,}"
        await send_error(send, 413, "PayloadTooLarge",
                         f"the request body is {told} bytes; this route accepts at most {limit:,} "
                         "(PLANMAP_MAX_BODY_BYTES / PLANMAP_MAX_UPLOAD_BYTES)")


# ---------------------------------------------------------------------------------------------- back-pressure
@dataclass
class HeavyClass:
    """A class of expensive requests and how many may run at once."""

    name: str
    pattern: re.Pattern[str]
    limit: int
    running: int = 0
    #: only when the query string matches this too (e.g. ``f=dxf`` on items)
    query: re.Pattern[str] | None = None

    def matches(self, method: str, path: str, query: str) -> bool:
        if method not in ("GET", "POST") or not self.pattern.search(path):
            return False
        return self.query is None or bool(self.query.search(query))


#: downloads through /items?f=… (see api.routers.features)
_DOWNLOAD_QUERY = re.compile(r"(?:^|&)f=(?:gpkg|kml|csv|dxf|geojson-file)(?:&|$)", re.IGNORECASE)


def heavy_classes(heavy: int, checks: int, pages: int = 0) -> list[HeavyClass]:
    """The classes of expensive requests: sheets, PDFs, downloads and coverage; site checks; map pages."""
    return [
        HeavyClass("map page", re.compile(r"^/(maps|embed)/(?!.*\.csv$)"), pages),
        HeavyClass("heavy", re.compile(r"^/(export/|api/accessibility/coverage)"), heavy),
        HeavyClass("heavy", re.compile(r"^/collections/[^/]+/items$"), heavy, query=_DOWNLOAD_QUERY),
        HeavyClass("check", re.compile(r"^/api/checks/site$"), checks),
    ]


class ConcurrencyLimit:
    """Run at most ``limit`` requests of each heavy class at once (per worker); answer 503 + Retry-After when
    full, so that cheap requests keep the thread pool and stay fast under a flood of heavy ones."""

    def __init__(self, app: ASGIApp, classes: list[HeavyClass], retry_after_s: int) -> None:
        self.app = app
        self.retry_after_s = retry_after_s
        # classes sharing a name share one counter
        shared: dict[str, HeavyClass] = {}
        self.classes = []
        for cls in classes:
            first = shared.setdefault(cls.name, cls)
            self.classes.append((cls, first))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        counter = next((first for cls, first in self.classes
                        if cls.matches(scope["method"], scope["path"], query)), None)
        if counter is None or counter.limit <= 0:
            await self.app(scope, receive, send)
            return
        if counter.running >= counter.limit:
            await send_error(send, 503, "ServiceUnavailable",
                             f"{counter.limit} {counter.name} requests are already running; retry in "
                             f"{self.retry_after_s} s", headers=[("Retry-After", str(self.retry_after_s))])
            return
        counter.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            counter.running -= 1


# ---------------------------------------------------------------------------------------------- headers, ETag
class SecurityHeaders:
    """``X-Content-Type-Options: nosniff`` and a referrer policy on every response; a Content-Security-Policy
    (scripts from files only) on every HTML page that sets none of its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"strict-origin-when-cross-origin")]
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    extra.append((b"content-security-policy", DEFAULT_CSP.encode()))
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


def etag_of(body: bytes) -> str:
    """A weak validator of a body (weak: the same entity compressed or not)."""
    return 'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _etag_matches(if_none_match: str, etag: str) -> bool:
    tags = [t.strip() for t in if_none_match.split(",")]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)


class ConditionalGet:
    """An ``ETag`` on every successful GET of JSON, HTML, CSV or SVG, and ``304 Not Modified`` for a
    matching ``If-None-Match``. A route may set its own ETag (items do: their ``timeStamp`` changes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = _header(scope, b"if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def buffered(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"").decode()
                if message["status"] != 200 or not content_type.startswith(_ETAG_TYPES):
                    passing = True
                    await send(message)
                    return
                start = message
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if more and size <= ETAG_MAX_BYTES:
                return
            assert start is not None
            if more:  # too large to hash: stream it as it comes
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                return
            body = b"".join(chunks)
            headers = list(start.get("headers", []))
            etag = next((v.decode() for k, v in headers if k.lower() == b"etag"), None)
            if etag is None:
                etag = etag_of(body)
                headers.append((b"etag", etag.encode()))
            if if_none_match is not None and _etag_matches(if_none_match, etag):
                kept = [(k, v) for k, v in headers
                        if k.lower() in (b"etag", b"vary", b"cache-control", b"content-location", b"expires")]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffered)
