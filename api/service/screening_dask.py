"""The ``dask`` engine of batch screening: dask-geopandas partitions on a Dask distributed cluster.

The prepared plan travels once per worker inside :class:`PlanPlugin` (bytes from
:func:`api.service.prepared.plan_blob`); each partition is screened by :func:`api.service.screening_rows.screen_records`
on the worker with the plan it holds, so a row is the local engine's row.
"""

from __future__ import annotations

import json
import math
from typing import Any

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from api.service.prepared import plan_blob, plan_from_blob
from api.service.screening_rows import CHUNK, Progress, ScreeningJob, screen_records
from geo.plandata import PlanData

_WORKER_PLANS: dict[str, PlanData] = {}


class PlanPlugin(WorkerPlugin):
    """A Dask worker plugin carrying the prepared plan: set up once on every worker (and on workers joining
    later), it rebuilds the plan's :class:`PlanData` from the shipped bytes and keeps it by key."""

    def __init__(self, key: str, blob: bytes) -> None:
        self.key = key
        self.blob = blob
        self.name = f"planmap-plan-{key}"

    def setup(self, worker: Any) -> None:
        if self.key not in _WORKER_PLANS:
            _WORKER_PLANS[self.key] = plan_from_blob(self.blob)

    def teardown(self, worker: Any) -> None:
        _WORKER_PLANS.pop(self.key, None)


def _dask_partition(part: gpd.GeoDataFrame, key: str, job: ScreeningJob) -> pd.DataFrame:
    rows = screen_records(_WORKER_PLANS[key], job, part)
    return pd.DataFrame({"position": part["_position"].to_numpy(), "row": [json.dumps(r) for r in rows]})


def screen_dask(data: PlanData, job: ScreeningJob, sites: gpd.GeoDataFrame, *, key: str,
                 scheduler: str | None, workers: int, progress: Progress | None) -> list[dict[str, Any]]:
    """Screen on a Dask cluster (see :mod:`api.service.screening`, engine ``dask``); rows in input order."""
    if scheduler:
        client, cluster = Client(scheduler, timeout="30s"), None
    else:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    try:
        client.register_plugin(PlanPlugin(key, plan_blob(data)), name=f"planmap-plan-{key}")
        frame = sites.copy()
        frame["_position"] = np.arange(len(frame))
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        partitions = max(1, min(len(frame), n_workers * 8, math.ceil(len(frame) / CHUNK)))
        parts = dask_geopandas.from_geopandas(frame, npartitions=partitions)
        meta = pd.DataFrame({"position": pd.Series(dtype="int64"), "row": pd.Series(dtype=object)})
        screened = parts.map_partitions(_dask_partition, key, job, meta=meta)
        futures = client.compute(screened.to_delayed())
        found: list[pd.DataFrame] = []
        done = 0
        for future in as_completed(futures):
            part = future.result()
            found.append(part)
            done += len(part)
            if progress:
                progress(done, len(frame))
        table = pd.concat(found).sort_values("position") if found else meta
        return [json.loads(text) for text in table["row"]]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
