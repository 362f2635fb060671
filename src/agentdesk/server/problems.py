"""RFC 9457 problem details: every error the server answers is `application/problem+json`.

Raise `Problem(status, detail)` (or a subclass) anywhere in a handler; `install(app)` maps
it, Starlette's HTTP errors (404 for unknown routes, 405...), FastAPI's validation errors
(422) and any unexpected exception (500, body without internals) onto problem+json.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://agentdesk.dev/problems/"

log = logging.getLogger("agentdesk.server")


class ProblemBody(BaseModel):
    """The wire shape of an error (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class Problem(Exception):
    """An error answer. `kind` becomes the last segment of `type` (e.g. `must-refetch`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or _slug(status)
        self.headers = headers or {}
        self.errors = errors


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-")
    except ValueError:
        return "error"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or _slug(status)),
        "title": _title(status),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Location and message of each error, without echoing the (possibly huge) input."""
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors()[:20]
    ]


def _one_line_validation(errors: list[dict[str, Any]]) -> str:
    if not errors:
        return "the request is invalid"
    first = errors[0]
    where = ".".join(part for part in first["loc"] if part not in ("body", "query")) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for this path (Starlette's 405 names only the methods
    of the first route it matched, so `Allow` would miss e.g. DELETE /v1/auth/token)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.detail, kind=exc.kind, headers=exc.headers, errors=exc.errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
        headers = dict(exc.headers or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such resource"
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
                detail = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        return problem_response(exc.status_code, detail, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        return problem_response(422, _one_line_validation(errors), errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal server error")


COMMON_ERRORS = (400, 401, 403, 422, 429)


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the common errors plus `statuses` (e.g. 404, 409, 410, 413)."""
    return {
        status: {
            "model": ProblemBody,
            "content": {PROBLEM_MEDIA_TYPE: {}},
            "description": _title(status),
        }
        for status in (*COMMON_ERRORS, *statuses)
    }
