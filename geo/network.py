"""A walk network prepared once for fast, exact shortest paths from sites to many targets.

:class:`WalkNetwork` is built once from an osmnx ``MultiDiGraph`` (EPSG:4326) and holds

- the nodes as arrays (metric and lon/lat coordinates, connected-component labels);
- every street segment once, undirected, as a metric ``LineString`` oriented from its lower-numbered node;
- an ``STRtree`` over the segments, so points snap to the nearest *segment*, not the nearest node: a point
  mid-block is ``perpendicular offset + partial segment length`` from each end of its segment;
- a ``scipy.sparse`` CSR adjacency weighted by segment length in metres (the length of the segment geometry in
  the metric CRS), with one extra *virtual source* row. A query writes the start offsets of its access points
  into that row and runs a single :func:`scipy.sparse.csgraph.dijkstra` from the virtual source: multi-source
  shortest paths with exact initial offsets and no per-request graph building. The virtual row holds only the
  access nodes of the query (written into per-thread buffers), and a search stops at its distance limit, so a
  query costs what it reaches, not the size of the city (apart from scipy's O(n) set-up, well under 1 ms at
  100k nodes).

Walking is two-way on every street, whatever the ``oneway`` tags say for cars.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import connected_components, dijkstra

from geo.errors import InvalidGeometryError

#: a point farther than this from every street is "off the network" (metres)
DEFAULT_MAX_SNAP_M = 300.0
#: spacing of the points along a line site or a polygon site's boundary that are snapped to streets (metres)
ACCESS_SPACING_M = 10.0
#: at most this many boundary points per site (the spacing grows for very long boundaries)
MAX_ACCESS_POINTS = 2000

_SEARCH_CEILING = 1e12  # the search limit when the caller gives none
_MIN_WEIGHT = 1e-6  # zero-length segments still count as edges


@dataclass(frozen=True)
class Snap:
    """Points snapped to their nearest segments (arrays, one entry per point).

    ``edge`` is -1 where no segment lies within the snapping distance; ``position`` is the distance along the
    segment from its first node (metres); ``offset`` the straight distance from the point to the segment.
    """

    edge: np.ndarray
    position: np.ndarray
    offset: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return self.edge >= 0


@dataclass(frozen=True)
class Access:
    """Where a walk from a site enters the network: one record per touched stretch of a segment.

    The walker stands on segment ``edge`` anywhere between ``lo`` and ``hi`` (metres from its first node) after
    walking ``offset`` metres from ``start`` (a metric point of the site, or NaN when the site itself covers the
    stretch).
    """

    edge: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    offset: np.ndarray
    start: np.ndarray  # (k, 2) metric x/y, NaN where the stretch lies inside the site

    def __len__(self) -> int:
        return len(self.edge)


@dataclass(frozen=True)
class Search:
    """Shortest walking distances from one site's access points to every node."""

    access: Access
    distance: np.ndarray  # (n,) metres, inf beyond the limit or not connected
    predecessor: np.ndarray  # (n + 1,) scipy predecessors; the virtual source is node n
    seed: np.ndarray  # (n,) index of the access record that gives each access node its start offset, or -1
    components: np.ndarray  # connected components the access points lie in
    limit: float


class WalkNetwork:
    """The walk network of a plan: arrays, a spatial index and a sparse adjacency, built once.

    Use :meth:`from_graph`. All distances are metres in :attr:`crs`; inputs and drawn routes are EPSG:4326.
    """

    def __init__(
        self,
        *,
        crs: CRS,
        node_ids: np.ndarray,
        node_xy: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_geometry: np.ndarray,
    ) -> None:
        self.crs = CRS.from_user_input(crs)
        self._to_metric = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._to_wgs84 = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self.node_ids = np.asarray(node_ids)
        self.node_xy = np.asarray(node_xy, dtype=float).reshape(-1, 2)
        self.edge_u = np.asarray(edge_u, dtype=np.int64)
        self.edge_v = np.asarray(edge_v, dtype=np.int64)
        self.edge_geometry = np.asarray(edge_geometry, dtype=object)
        self.edge_length = shapely.length(self.edge_geometry).astype(float)
        # small nodes: nearest-segment queries run about twice as fast as with the default capacity of 10
        self.edge_tree = shapely.STRtree(self.edge_geometry, node_capacity=4)
        self._index_coordinates()
        self._build_matrix()
        #: targets projected and snapped, by their EPSG:4326 WKB (geo.accessibility keeps it)
        self.target_cache: dict = {}
        #: id of a target array → (the array, its prepared targets): the same array object skips hashing
        self.target_arrays: dict = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_graph(cls, graph, metric_crs) -> WalkNetwork:
        """Prepare an osmnx ``MultiDiGraph`` (nodes with ``x``/``y`` in EPSG:4326, edges with optional
        ``geometry``) for routing in ``metric_crs``.

        Both directions of a two-way street become one undirected segment; parallel segments between the same
        nodes with different shapes are all kept (for snapping), and the shortest one is used for routing.
        """
        if graph is None or graph.number_of_nodes() == 0:
            raise InvalidGeometryError("the street graph has no nodes")
        graph_crs = graph.graph.get("crs")
        if graph_crs is not None and CRS.from_user_input(graph_crs).to_epsg() != 4326:
            raise InvalidGeometryError(f"the street graph must be in EPSG:4326, not {graph_crs}")
        node_ids = np.array(list(graph.nodes))
        position = {node: i for i, node in enumerate(node_ids.tolist())}
        lonlat = np.array([(data["x"], data["y"]) for _, data in graph.nodes(data=True)], dtype=float)
        if not np.isfinite(lonlat).all():
            raise InvalidGeometryError("the street graph has nodes without finite x/y coordinates")
        to_metric = Transformer.from_crs("EPSG:4326", CRS.from_user_input(metric_crs), always_xy=True)
        node_xy = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1]))

        us, vs, geoms = [], [], []
        for u, v, data in graph.edges(data=True):
            i, j = position[u], position[v]
            geom = data.get("geometry")
            if geom is None or shapely.is_empty(geom):
                geom = shapely.linestrings([lonlat[i], lonlat[j]])
            us.append(i)
            vs.append(j)
            geoms.append(geom)
        if not geoms:
            raise InvalidGeometryError("the street graph has no edges")
        us = np.array(us, dtype=np.int64)
        vs = np.array(vs, dtype=np.int64)
        metric = _transform(np.array(geoms, dtype=object), to_metric)
        # orient every segment from its lower-numbered node, so both directions of a street coincide
        lo_node, hi_node = np.minimum(us, vs), np.maximum(us, vs)
        # a geometry runs from u to v in osmnx; check rather than trust it (hand-made or edited graphs)
        first = shapely.get_coordinates(shapely.get_point(metric, 0))
        flip = (np.hypot(*(first - node_xy[hi_node]).T) < np.hypot(*(first - node_xy[lo_node]).T))
        metric[flip] = shapely.reverse(metric[flip])
        # the two directions of a street: same nodes, same length, same middle point
        length = np.round(shapely.length(metric), 2)
        middle = shapely.get_coordinates(shapely.line_interpolate_point(metric, 0.5, normalized=True))
        keys = np.column_stack([lo_node, hi_node, length, np.round(middle, 1)])
        _, first = np.unique(keys, axis=0, return_index=True)
        first = np.sort(first)
        return cls(
            crs=metric_crs,
            node_ids=node_ids,
            node_xy=node_xy,
            edge_u=lo_node[first],
            edge_v=hi_node[first],
            edge_geometry=metric[first],
        )

    def _index_coordinates(self) -> None:
        coords, owner = shapely.get_coordinates(self.edge_geometry, return_index=True)
        counts = np.bincount(owner, minlength=len(self.edge_geometry))
        self._coord_start = np.concatenate([[0], np.cumsum(counts)])
        self._coords = coords
        steps = np.hypot(*np.diff(coords, axis=0).T)
        steps = np.concatenate([[0.0], steps])
        steps[self._coord_start[:-1]] = 0.0  # each segment's own distances start at 0
        cumulative = np.cumsum(steps)
        self._cumulative = cumulative - np.repeat(cumulative[self._coord_start[:-1]], counts)
        # distances along all segments as one increasing key (segment × stride + distance), so positions on
        # many segments are located with one searchsorted
        self._stride = float(self._cumulative.max(initial=0.0)) * 2.0 + 1.0
        self._along_key = owner * self._stride + self._cumulative

    def _build_matrix(self) -> None:
        n = self.node_count
        routable = self.edge_u != self.edge_v
        u, v = self.edge_u[routable], self.edge_v[routable]
        length = np.maximum(self.edge_length[routable], _MIN_WEIGHT)
        edge_index = np.flatnonzero(routable)
        order = np.lexsort((length, v, u))
        pair = u[order] * (n + 1) + v[order]
        keep = order[np.concatenate([[True], pair[1:] != pair[:-1]])]
        u, v, length, edge_index = u[keep], v[keep], length[keep], edge_index[keep]
        # (i, j) → the segment used between nodes i and j (the shortest of parallel ones), as sorted keys
        pair_keys = np.concatenate([u * n + v, v * n + u])
        order = np.argsort(pair_keys)
        self._pair_keys = pair_keys[order]
        self._pair_edges = np.concatenate([edge_index, edge_index])[order]

        rows = np.concatenate([u, v])
        cols = np.concatenate([v, u])
        data = np.concatenate([length, length])
        base = sp.csr_array((data, (rows, cols)), shape=(n, n))
        base.sort_indices()
        # the searched matrix is this one plus a last, virtual-source row: a search writes its access nodes and
        # their start offsets past the street entries (buffers per thread, see _buffers)
        self._matrix_data = base.data
        self._matrix_indices = base.indices.astype(np.int32)
        self._matrix_indptr = np.concatenate([base.indptr, [base.indptr[-1]]]).astype(np.int32)
        self._virtual_start = int(base.indptr[-1])
        self._local = threading.local()
        # every segment by node (for work proportional to the nodes a search reaches)
        ends = np.concatenate([self.edge_u, self.edge_v])
        owner = np.concatenate([np.arange(self.edge_count), np.arange(self.edge_count)])
        order = np.argsort(ends, kind="stable")
        self._incident_edges = owner[order]
        self._incident_start = np.searchsorted(ends[order], np.arange(n + 1))
        _, self.node_component = connected_components(base, directed=False)
        self._edge_component = self.node_component[self.edge_u]
        self._component_size = np.bincount(self.node_component)

    # ------------------------------------------------------------------ basics
    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        return len(self.edge_geometry)

    @property
    def edge_component(self) -> np.ndarray:
        return self._edge_component

    def incident_edges(self, nodes: np.ndarray) -> np.ndarray:
        """The segments (indices, each once, sorted) that end at any of ``nodes``."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if not len(nodes):
            return np.zeros(0, dtype=np.int64)
        start, stop = self._incident_start[nodes], self._incident_start[nodes + 1]
        counts = stop - start
        flat = np.repeat(start - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return np.unique(self._incident_edges[flat])

    def _buffers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This thread's copy of the search matrix arrays, with room for a virtual row to every node."""
        local = self._local
        if getattr(local, "data", None) is None:
            n, base = self.node_count, self._virtual_start
            local.data = np.concatenate([self._matrix_data, np.zeros(n)])
            local.indices = np.concatenate([self._matrix_indices, np.zeros(n, dtype=np.int32)])
            local.indptr = self._matrix_indptr.copy()
            local.indptr[-1] = base
        return local.data, local.indices, local.indptr

    def to_metric(self, geometries):
        """EPSG:4326 shapely geometry (or array) → this network's metric CRS."""
        return _transform(geometries, self._to_metric)

    def to_wgs84(self, geometries):
        """Metric shapely geometry (or array) → EPSG:4326."""
        return _transform(geometries, self._to_wgs84)

    # ------------------------------------------------------------------ snapping and access
    def snap(self, points, max_distance_m: float = DEFAULT_MAX_SNAP_M) -> Snap:
        """Snap metric points (shapely points or an ``(k, 2)`` array) to their nearest segments."""
        points = _as_points(points)
        k = len(points)
        edge = np.full(k, -1, dtype=np.int64)
        position = np.full(k, np.nan)
        offset = np.full(k, np.inf)
        valid = ~(shapely.is_missing(points) | shapely.is_empty(points)) if k else np.zeros(0, bool)
        if valid.any():
            which = np.flatnonzero(valid)
            (hit, tree_index), dist = self.edge_tree.query_nearest(
                points[which], max_distance=max_distance_m, return_distance=True, all_matches=False
            )
            rows = which[hit]
            edge[rows] = tree_index
            offset[rows] = dist
            position[rows] = shapely.line_locate_point(self.edge_geometry[tree_index], points[rows])
        return Snap(edge, position, offset)

    def access(self, site, max_distance_m: float = DEFAULT_MAX_SNAP_M) -> Access:
        """Where a metric site enters the network.

        A point snaps to its nearest segment. A line or polygon enters the network (a) wherever a segment
        crosses or lies inside it, at zero offset — exact — and (b) from points every
        :data:`ACCESS_SPACING_M` metres along its boundary (or along the line), each snapped to its nearest
        segment within ``max_distance_m``: a site drawn to the kerb reaches the street beside it.
        """
        if site is None or shapely.is_empty(site):
            raise InvalidGeometryError("the site geometry is empty")
        if shapely.get_type_id(site) == 7:
            raise InvalidGeometryError("a site must be a point, line or polygon (or multi-), not a GeometryCollection")
        records: list[tuple] = []
        if shapely.get_type_id(site) in (0, 4):  # Point, MultiPoint
            starts = shapely.get_coordinates(site)
        else:
            shapely.prepare(site)
            touching = self.edge_tree.query(site, predicate="intersects")
            if len(touching):
                records.append(self._inside_stretches(site, touching))
            outline = site if shapely.get_dimensions(site) == 1 else shapely.boundary(site)
            perimeter = float(shapely.length(outline))
            spacing = max(ACCESS_SPACING_M, perimeter / MAX_ACCESS_POINTS)
            starts = shapely.get_coordinates(shapely.segmentize(outline, spacing))
            starts = np.unique(starts, axis=0)
        snap = self.snap(starts, max_distance_m)
        found = snap.found
        if found.any():
            records.append((snap.edge[found], snap.position[found], snap.position[found], snap.offset[found],
                            starts[found]))
        if not records:
            empty = np.zeros(0)
            return Access(np.zeros(0, dtype=np.int64), empty, empty, empty, np.zeros((0, 2)))
        edge, lo, hi, offset, start = (np.concatenate(parts) for parts in zip(*records, strict=True))
        return Access(edge.astype(np.int64), lo, hi, offset, start.reshape(-1, 2))

    def _inside_stretches(self, site, edges: np.ndarray) -> tuple:
        within = self.edge_tree.query(site, predicate="contains")
        whole = np.isin(edges, within)
        records = [(edges[whole], np.zeros(whole.sum()), self.edge_length[edges[whole]])]
        edges = edges[~whole]  # only segments crossing the outline need cutting
        inside = shapely.intersection(self.edge_geometry[edges], site)
        parts, part_owner = shapely.get_parts(inside, return_index=True)
        keep = ~shapely.is_empty(parts)
        parts, part_owner = parts[keep], part_owner[keep]
        coords, coord_part = shapely.get_coordinates(parts, return_index=True)
        part_edge = edges[part_owner]
        along = shapely.line_locate_point(self.edge_geometry[part_edge[coord_part]], shapely.points(coords))
        lo = np.full(len(parts), np.inf)
        hi = np.full(len(parts), -np.inf)
        np.minimum.at(lo, coord_part, along)
        np.maximum.at(hi, coord_part, along)
        records.append((part_edge, lo, hi))
        edge, lo, hi = (np.concatenate(column) for column in zip(*records, strict=True))
        return edge, lo, hi, np.zeros(len(edge)), np.full((len(edge), 2), np.nan)

    # ------------------------------------------------------------------ shortest paths
    def search(self, access: Access, limit_m: float | None = None) -> Search:
        """One multi-source Dijkstra from all access points at once, with exact start offsets, stopping at
        ``limit_m`` metres (None: the whole network)."""
        n = self.node_count
        limit = _SEARCH_CEILING if limit_m is None else float(limit_m)
        nodes, offsets, seeds = self._seed_offsets(access)
        data, indices, indptr = self._buffers()
        base, k = self._virtual_start, len(nodes)
        data[base:base + k] = offsets
        indices[base:base + k] = nodes
        indptr[-1] = base + k
        matrix = sp.csr_array((data[:base + k], indices[:base + k], indptr), shape=(n + 1, n + 1))
        distance, predecessor = dijkstra(matrix, directed=True, indices=n, limit=limit, return_predecessors=True)
        components = np.unique(self.node_component[self.edge_u[access.edge]]) if len(access) else np.zeros(0, int)
        return Search(access, distance[:n], predecessor, seeds, components, limit)

    def search_targets(self, access: Access, snap: Snap, limit_m: float | None = None,
                       start_m: float | None = None) -> tuple[Search, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Search just far enough to reach every snapped target connected to the site (or to ``limit_m``).

        The distances equal an unbounded search's (within ``limit_m``): a bounded search is exact for every
        distance under its limit, and the limit doubles — from ``start_m``, by default 1.5 × the farthest
        straight walk to a target plus 200 m — until every connected target is within it, the search no longer
        stops at the limit, or ``limit_m`` is reached. Returns the search and :meth:`distances_to`'s arrays.
        """
        cap = _SEARCH_CEILING if limit_m is None else float(limit_m)
        connected = snap.found.copy()
        if len(access) and connected.any():
            components = np.unique(self.node_component[self.edge_u[access.edge]])
            connected &= np.isin(self._edge_component[np.maximum(snap.edge, 0)], components)
        if start_m is None:
            straight = self._straight_reach(access, snap, connected)
            start_m = 1.5 * straight + 200.0
        limit = min(cap, max(float(start_m), 1.0))
        while True:
            search = self.search(access, limit)
            found = self.distances_to(search, snap)
            if limit >= cap or np.isfinite(found[0][connected]).all():
                return search, found
            if np.isfinite(search.distance).sum() >= self._component_size[search.components].sum():
                return search, found  # the search ran out of streets, not budget
            limit = min(cap, limit * 2.0)

    def _straight_reach(self, access: Access, snap: Snap, which: np.ndarray) -> float:
        """The largest straight distance from the access stretches' snap points to the targets' snap points."""
        if not which.any() or not len(access):
            return 0.0
        targets = self._points_at(snap.edge[which], snap.position[which])
        starts = self._points_at(access.edge, (access.lo + access.hi) / 2.0)
        lo, hi = starts.min(axis=0), starts.max(axis=0)
        box = np.maximum(np.maximum(lo - targets, targets - hi), 0.0)
        return float(np.hypot(box[:, 0], box[:, 1]).max() + np.hypot(*(hi - lo)) + access.offset.max()
                     + snap.offset[which].max())

    def _seed_offsets(self, access: Access) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The access nodes (each once), their start offsets, and the seed array (n,): for each access node the
        access record giving its offset, else -1."""
        n = self.node_count
        record = np.arange(len(access))
        nodes = np.concatenate([self.edge_u[access.edge], self.edge_v[access.edge]])
        offsets = np.concatenate([access.offset + access.lo,
                                  access.offset + self.edge_length[access.edge] - access.hi])
        records = np.concatenate([record, record])
        seeds = np.full(n, -1, dtype=np.int64)
        if not len(nodes):
            return nodes, offsets, seeds
        order = np.lexsort((offsets, nodes))
        first = order[np.concatenate([[True], nodes[order][1:] != nodes[order][:-1]])]
        seeds[nodes[first]] = records[first]
        return nodes[first].astype(np.int32), offsets[first], seeds

    def distances_to(self, search: Search, snap: Snap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Walking distance from the searched site to snapped targets.

        Returns ``(distance, end_node, same_edge_record)``: metres (inf where not reached or not snapped); the
        node through which the walk reaches the target's segment (-1 when it walks along one segment from an
        access point); and for those, the access record used.
        """
        k = len(snap.edge)
        distance = np.full(k, np.inf)
        end_node = np.full(k, -1, dtype=np.int64)
        same_record = np.full(k, -1, dtype=np.int64)
        ok = np.flatnonzero(snap.found)
        if not len(ok):
            return distance, end_node, same_record
        edge = snap.edge[ok]
        pos = snap.position[ok]
        via_u = search.distance[self.edge_u[edge]] + pos
        via_v = search.distance[self.edge_v[edge]] + (self.edge_length[edge] - pos)
        use_u = via_u <= via_v
        best = np.where(use_u, via_u, via_v)
        end_node[ok] = np.where(use_u, self.edge_u[edge], self.edge_v[edge])
        # a target on a segment the site touches may be reached along that segment directly
        access = search.access
        shared = np.flatnonzero(np.isin(edge, access.edge))
        for i in shared:
            rec = np.flatnonzero(access.edge == edge[i])
            gap = np.maximum(0.0, np.maximum(access.lo[rec] - pos[i], pos[i] - access.hi[rec]))
            along = access.offset[rec] + gap
            j = int(np.argmin(along))
            if along[j] <= best[i]:
                best[i] = along[j]
                end_node[ok[i]] = -1
                same_record[ok[i]] = rec[j]
        total = best + snap.offset[ok]
        distance[ok] = np.where(total <= search.limit, total, np.inf)
        return distance, end_node, same_record

    def routes(self, search: Search, snap: Snap, targets_xy: np.ndarray, end_node: np.ndarray,
               same_record: np.ndarray, which: np.ndarray) -> np.ndarray:
        """Drawn routes (EPSG:4326 ``LineString``) to the targets listed in ``which``, all at once.

        A route runs from where the walker starts (the site point or boundary point, or where a street leaves
        the site), along the first segment to its access node, node to node along the shortest-path tree,
        along the target's segment to its snap point, and straight to the target.
        """
        which = np.asarray(which, dtype=np.int64)
        m = len(which)
        if not m:
            return np.zeros(0, dtype=object)
        access = search.access
        ends = end_node[which]
        edge_t = snap.edge[which]
        pos_t = snap.position[which]
        same = ends < 0

        # shortest-path tree walked back from every end node at once
        step_route, step_node = [], []
        current = ends.copy()
        alive = ~same
        first_node = np.full(m, -1, dtype=np.int64)
        while alive.any():
            live = np.flatnonzero(alive)
            step_route.append(live)
            step_node.append(current[live])
            before = search.predecessor[current[live]]
            done = (before == self.node_count) | (before < 0)
            first_node[live[done]] = current[live[done]]
            alive[live[done]] = False
            current[live[~done]] = before[~done]
        if step_route:
            route_of = np.concatenate(step_route)
            node_of = np.concatenate(step_node)
            depth = np.concatenate([np.full(len(r), k) for k, r in enumerate(step_route)])
            order = np.lexsort((-depth, route_of))
            route_of, node_of = route_of[order], node_of[order]
        else:
            route_of = node_of = np.zeros(0, dtype=np.int64)
        record = np.where(same, same_record[which], -1)
        net = np.flatnonzero(~same)
        record[net] = search.seed[first_node[net]]
        rec_edge = access.edge[record]

        pieces = _Pieces(self._coords)
        start_xy = access.start[record]
        head = np.isfinite(start_xy).all(axis=1)
        pieces.points(np.flatnonzero(head), 0, start_xy[head])

        # network routes: from the access stretch to the access node
        to_u = ~same & (first_node == self.edge_u[rec_edge])
        to_v = ~same & ~to_u
        lo, hi = access.lo[record], access.hi[record]
        pieces.points(np.flatnonzero(to_u), 1, self._points_at(rec_edge[to_u], lo[to_u]))
        pieces.vertices(np.flatnonzero(to_u), 2, self._coord_start[rec_edge[to_u]],
                        self._vertex_index(rec_edge[to_u], lo[to_u], "left"), reverse=True)
        pieces.points(np.flatnonzero(to_v), 1, self._points_at(rec_edge[to_v], hi[to_v]))
        pieces.vertices(np.flatnonzero(to_v), 2, self._vertex_index(rec_edge[to_v], hi[to_v], "right"),
                        self._coord_start[rec_edge[to_v] + 1], reverse=False)

        # whole segments node to node
        if len(route_of) > 1:
            link = np.flatnonzero(route_of[1:] == route_of[:-1])
            a, b = node_of[link], node_of[link + 1]
            edges = self._pair_edges[np.searchsorted(self._pair_keys, a * self.node_count + b)]
            forward = self.edge_u[edges] == a
            step = link - np.searchsorted(route_of, route_of[link])  # position along its own route
            pieces.vertices(route_of[link], 3 + step, self._coord_start[edges], self._coord_start[edges + 1],
                            reverse=~forward)

        # along the target's segment
        tail_order = 3 + len(route_of) + 1
        from_u = ~same & (ends == self.edge_u[edge_t])
        from_v = ~same & ~from_u
        pieces.vertices(np.flatnonzero(from_u), tail_order, self._coord_start[edge_t[from_u]],
                        self._vertex_index(edge_t[from_u], pos_t[from_u], "left"), reverse=False)
        pieces.vertices(np.flatnonzero(from_v), tail_order, self._vertex_index(edge_t[from_v], pos_t[from_v], "right"),
                        self._coord_start[edge_t[from_v] + 1], reverse=True)
        # routes that stay on one segment of the site
        entry = np.clip(pos_t, lo, hi)
        ahead = same & (entry <= pos_t)
        back = same & ~ahead
        pieces.points(np.flatnonzero(same), 1, self._points_at(edge_t[same], entry[same]))
        pieces.vertices(np.flatnonzero(ahead), 2, self._vertex_index(edge_t[ahead], entry[ahead], "right"),
                        self._vertex_index(edge_t[ahead], pos_t[ahead], "left"), reverse=False)
        pieces.vertices(np.flatnonzero(back), 2, self._vertex_index(edge_t[back], pos_t[back], "right"),
                        self._vertex_index(edge_t[back], entry[back], "left"), reverse=True)

        everyone = np.arange(m)
        pieces.points(everyone, tail_order + 1, self._points_at(edge_t, pos_t))
        pieces.points(everyone, tail_order + 2, targets_xy[which])
        lines = pieces.linestrings(m)
        return self.to_wgs84(lines)

    def _vertex_index(self, edges: np.ndarray, positions: np.ndarray, side: str) -> np.ndarray:
        """Global index of the first vertex of each segment at or past (``"left"``) or past (``"right"``)
        ``positions`` metres along it."""
        found = np.searchsorted(self._along_key, edges * self._stride + positions, side=side)
        return np.clip(found, self._coord_start[edges], self._coord_start[edges + 1])

    def _points_at(self, edges: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Metric x/y of the points ``positions`` metres along segments ``edges``."""
        if not len(edges):
            return np.zeros((0, 2))
        first, last = self._coord_start[edges], self._coord_start[edges + 1] - 2
        step = np.clip(self._vertex_index(edges, positions, "right") - 1, first, last)
        along0, along1 = self._cumulative[step], self._cumulative[step + 1]
        span = along1 - along0
        share = np.divide(positions - along0, span, out=np.zeros(len(step)), where=span > 0)
        share = np.clip(share, 0.0, 1.0)
        return self._coords[step] + (self._coords[step + 1] - self._coords[step]) * share[:, None]

    def substrings(self, edges: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Metric ``LineString`` pieces of segments ``edges`` between ``starts`` and ``ends`` metres along
        them (clipped to the segments; None where a piece has no length)."""
        edges = np.asarray(edges, dtype=np.int64)
        length = self.edge_length[edges]
        lo = np.clip(np.minimum(starts, ends), 0.0, length)
        hi = np.clip(np.maximum(starts, ends), lo, length)
        every = np.arange(len(edges))
        if not len(edges):
            return np.zeros(0, dtype=object)
        pieces = _Pieces(self._coords)
        pieces.points(every, 0, self._points_at(edges, lo))
        pieces.vertices(every, 1, self._vertex_index(edges, lo, "right"), self._vertex_index(edges, hi, "left"),
                        reverse=False)
        pieces.points(every, 2, self._points_at(edges, hi))
        return pieces.linestrings(len(edges))

    # ------------------------------------------------------------------ reach
    def reachable_lines(self, search: Search, budget_m: float) -> tuple[np.ndarray, np.ndarray]:
        """Metric ``LineString`` pieces of the network reachable within ``budget_m`` of the searched site.

        Returns ``(whole, partial)``: the segments reachable end to end, and the reachable parts of the others
        (the frontier, the site's own segments, the straight walk from the site to the street).
        """
        candidates = self.incident_edges(np.flatnonzero(np.isfinite(search.distance)))
        distance = search.distance
        length = self.edge_length[candidates]
        from_u = np.clip(budget_m - distance[self.edge_u[candidates]], 0.0, length)
        from_v = np.clip(budget_m - distance[self.edge_v[candidates]], 0.0, length)
        whole = from_u + from_v >= length
        whole &= (from_u > 0) | (from_v > 0) | (length == 0)
        head = np.flatnonzero(~whole & (from_u > 0))
        tail = np.flatnonzero(~whole & (from_v > 0))
        access = search.access
        left = budget_m - access.offset
        entered = left > 0
        edges = np.concatenate([candidates[head], candidates[tail], access.edge[entered]])
        starts = np.concatenate([np.zeros(len(head)), length[tail] - from_v[tail],
                                 access.lo[entered] - left[entered]])
        ends = np.concatenate([from_u[head], length[tail], access.hi[entered] + left[entered]])
        lines = list(self.substrings(edges, starts, ends))
        # the straight walk from the site to the street, as far as the budget goes
        walk_on = np.isfinite(access.start).all(axis=1) & (access.offset > 0)
        if walk_on.any():
            start = access.start[walk_on]
            snapped = self._points_at(access.edge[walk_on], access.lo[walk_on])
            share = np.minimum(1.0, budget_m / access.offset[walk_on])[:, None]
            ends_xy = start + (snapped - start) * share
            lines.extend(shapely.linestrings(np.stack([start, ends_xy], axis=1)))
        lines = [line for line in lines if line is not None]
        return self.edge_geometry[candidates[whole]], np.array(lines, dtype=object)

    def unreached(self, search: Search, budget_m: float, edges: np.ndarray) -> np.ndarray:
        """Which of ``edges`` are not walked end to end within the budget."""
        length = self.edge_length[edges]
        from_u = np.clip(budget_m - search.distance[self.edge_u[edges]], 0.0, length)
        from_v = np.clip(budget_m - search.distance[self.edge_v[edges]], 0.0, length)
        return (length > 0) & (from_u + from_v < length)


class _Pieces:
    """Coordinates of many routes gathered as pieces (ranges of segment vertices or extra points), each with
    its route and order along it, then assembled into linestrings in one go."""

    def __init__(self, pool: np.ndarray) -> None:
        self._pool = pool
        self._extra: list[np.ndarray] = []
        self._extra_size = 0
        self._route: list[np.ndarray] = []
        self._order: list[np.ndarray] = []
        self._start: list[np.ndarray] = []
        self._count: list[np.ndarray] = []
        self._reverse: list[np.ndarray] = []

    def _add(self, routes, order, start, count, reverse) -> None:
        k = len(routes)
        self._route.append(np.asarray(routes, dtype=np.int64))
        self._order.append(np.broadcast_to(np.asarray(order, dtype=np.int64), (k,)))
        self._start.append(np.asarray(start, dtype=np.int64))
        self._count.append(np.maximum(np.asarray(count, dtype=np.int64), 0))
        self._reverse.append(np.broadcast_to(np.asarray(reverse, dtype=bool), (k,)))

    def points(self, routes: np.ndarray, order, xy: np.ndarray) -> None:
        k = len(routes)
        if not k:
            return
        start = len(self._pool) + self._extra_size + np.arange(k)
        self._extra.append(np.asarray(xy, dtype=float).reshape(k, 2))
        self._extra_size += k
        self._add(routes, order, start, np.ones(k), False)

    def vertices(self, routes: np.ndarray, order, first: np.ndarray, stop: np.ndarray, reverse) -> None:
        if len(routes):
            self._add(routes, order, first, stop - first, reverse)

    def linestrings(self, m: int) -> np.ndarray:
        pool = np.concatenate([self._pool, *self._extra]) if self._extra else self._pool
        route = np.concatenate(self._route)
        order = np.concatenate(self._order)
        start = np.concatenate(self._start)
        count = np.concatenate(self._count)
        reverse = np.concatenate(self._reverse)
        arrange = np.lexsort((order, route))
        route, start, count, reverse = route[arrange], start[arrange], count[arrange], reverse[arrange]
        total = int(count.sum())
        piece = np.repeat(np.arange(len(count)), count)
        within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        index = np.where(reverse[piece], start[piece] + count[piece] - 1 - within, start[piece] + within)
        coords = pool[index]
        owner = route[piece]
        keep = np.ones(total, dtype=bool)
        keep[1:] = (owner[1:] != owner[:-1]) | np.any(np.abs(coords[1:] - coords[:-1]) > 1e-6, axis=1)
        coords, owner = coords[keep], owner[keep]
        sizes = np.bincount(owner, minlength=m)
        drawable = sizes >= 2
        lines = np.full(m, None, dtype=object)
        if drawable.any():
            chosen = drawable[owner]
            ids, compact = np.unique(owner[chosen], return_inverse=True)
            lines[ids] = shapely.linestrings(coords[chosen], indices=compact)
        return lines


def _transform(geometries, transformer: Transformer):
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, apply)


def _as_points(points) -> np.ndarray:
    if isinstance(points, np.ndarray) and points.dtype != object:
        points = points.reshape(-1, 2)
        return shapely.points(points) if len(points) else np.zeros(0, dtype=object)
    return np.atleast_1d(np.asarray(points, dtype=object))
