"""Router: batch screening jobs — ``POST /api/checks/batch``, ``/api/jobs/{id}`` (GET, DELETE),
``/api/jobs/{id}/result?f=gpkg|csv|geojson``.

Thin: authenticate, parse the upload, call :class:`api.service.jobs.JobService` (kept by the app's
:class:`~api.service.jobs.JobRunner` on ``app.state.jobs``), format. Submitting needs a planner; a job is read
by its owner or an admin. The plan is the one the request addresses (``/plans/{id}/…`` too).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from api.auth import PlannerDep, ViewerDep, check_form_csrf
from api.deps import ServiceDep, SettingsDep, base_url
from api.errors import BadRequestError
from api.service.jobs import JobRunner
from api.service.screening import parse_pairs

router = APIRouter(tags=["jobs 批量任务"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: JSON {code, description, status}"},
    401: {"description": "No credentials: sign in or send Authorization: Bearer <token>"},
    403: {"description": "Role too low, or not the job's owner"},
    404: {"description": "No such job in this plan (or it expired)"},
}
FORM_FIELDS = ("ruleset", "crs", "csrf_token")


def _runner(request: Request) -> JobRunner:
    return request.app.state.jobs


def _href(request: Request, settings: Any, job_id: str) -> str:
    return f"{base_url(request, settings)}/api/jobs/{quote(job_id)}"


async def _upload(request: Request) -> tuple[bytes, str, dict[str, Any]]:
    """(file bytes, file name, form fields) from a multipart upload or a GeoJSON body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise BadRequestError("file: 必填 send the site file as the multipart field 'file'")
            fields: dict[str, Any] = {k: str(form.get(k)) for k in FORM_FIELDS if form.get(k) is not None}
            fields["attr_field"] = [str(v) for v in form.getlist("attr_field")]
            fields["param"] = [str(v) for v in form.getlist("param")]
            return await upload.read(), upload.filename or "upload", fields
        finally:
            await form.close()
    if kind in ("application/json", "application/geo+json"):
        data = await request.body()
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequestError(f"the request body is not valid JSON ({exc})") from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise BadRequestError("the JSON body must be a GeoJSON FeatureCollection")
        return data, "sites.geojson", {"attr_field": [], "param": []}
    raise BadRequestError("send multipart/form-data with a 'file' field, or a GeoJSON FeatureCollection "
                          "(Content-Type: application/geo+json or application/json)")


@router.post("/api/checks/batch", status_code=202, response_model=None, responses=_ERRORS,
             summary="Screen a site file against a ruleset, as a background job 批量筛查")
async def submit(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep,
                 ruleset: Annotated[str | None, Query(description="ruleset id 规则集")] = None,
                 crs: Annotated[str | None, Query(description="CRS of a file that names none")] = None,
                 attr_field: Annotated[list[str] | None, Query(description="ATTR=COLUMN (repeatable)")] = None,
                 param: Annotated[list[str] | None, Query(description="KEY=VALUE (repeatable)")] = None,
                 ) -> Response:
    """Multipart (``file`` plus the fields ``ruleset``, ``crs``, ``attr_field``, ``param``) or a GeoJSON
    FeatureCollection body with the options in the query; 202 with the job and ``Location``."""
    data, filename, fields = await _upload(request)
    check_form_csrf(request, user, fields.get("csrf_token"))
    attr_fields = parse_pairs([*(attr_field or []), *fields["attr_field"]], "attr_field")
    parameters = parse_pairs([*(param or []), *fields["param"]], "param")
    runner = _runner(request)
    jobs = await to_thread.run_sync(lambda: runner.jobs)
    record = await to_thread.run_sync(lambda: jobs.submit(
        service, user, data, filename, fields.get("ruleset") or ruleset, crs=fields.get("crs") or crs,
        attr_fields=attr_fields, parameters=parameters))
    runner.wake()
    href = _href(request, settings, record["id"])
    return JSONResponse(jobs.document(record, href), status_code=202, headers={"Location": href})


@router.get("/api/jobs/{job_id}", summary="A batch job: state, progress, counts 任务状态", responses=_ERRORS)
async def status(request: Request, job_id: str, service: ServiceDep, settings: SettingsDep,
                 user: ViewerDep) -> dict[str, Any]:
    jobs = await to_thread.run_sync(lambda: _runner(request).jobs)
    record = await to_thread.run_sync(jobs.get, job_id, user, service.plan_id)
    return jobs.document(record, _href(request, settings, job_id))


@router.get("/api/jobs/{job_id}/result", response_model=None, summary="A done job's result 任务结果",
            responses={**_ERRORS, 409: {"description": "The job is not done (yet)"}})
async def result(request: Request, job_id: str, service: ServiceDep, user: ViewerDep,
                 f: Annotated[str | None, Query(description="gpkg, csv or geojson")] = None) -> Response:
    jobs = await to_thread.run_sync(lambda: _runner(request).jobs)
    data, media, name = await to_thread.run_sync(jobs.result, job_id, user, service.plan_id, f)
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete("/api/jobs/{job_id}", response_model=None, responses=_ERRORS,
               summary="Cancel a job, or remove one that is over 取消或删除任务")
async def cancel(request: Request, job_id: str, service: ServiceDep, settings: SettingsDep,
                 user: ViewerDep) -> Response:
    """202 with the job when it was queued or running (a running one stops at its next chunk); 204 when a
    finished, failed or cancelled job was removed."""
    jobs = await to_thread.run_sync(lambda: _runner(request).jobs)
    record = await to_thread.run_sync(jobs.cancel, job_id, user, service.plan_id)
    if record is None:
        return Response(status_code=204)
    return JSONResponse(jobs.document(record, _href(request, settings, job_id)), status_code=202)
