"""Measure sites in metres: centre-line length, width profile and area of street polygons; length of lines.

Method for polygons (documented in every result's ``method``)
----------------------------------------------------------------
1. **Skeleton.** An outline of more than 1,000 vertices is first simplified by a tenth of ``d`` (dropping
   vertices a smooth outline does not need); the boundary is densified every ``d`` metres (``d`` = a quarter of the estimated
   width 2·area/perimeter, at least 0.1 m, and coarse enough to keep at most 4,000 boundary points). The
   finite edges of the Voronoi diagram of those points (the circumcentres of adjacent triangles of their
   Delaunay triangulation, ``scipy.spatial.Delaunay``, Qhull) are cut to those that lie inside the polygon: they approximate the medial axis (the set of centres of maximal inscribed circles).
2. **Spurs.** A medial axis has short branches into every convex corner (at a rectangle's end, two branches
   of length √2·r run from the centre line into the corners). Every leaf branch shorter than
   ``SPUR_FACTOR`` × the inscribed radius at its junction is removed; real street branches (the arms of an L,
   T or H) are many radii long and stay.
3. **Ends.** The pruned skeleton stops one half-width short of each street end; each remaining leaf is
   extended along the direction of its last stretch until it meets the boundary.
4. **Length** is the total length of the pruned, extended skeleton: for a simple (straight, curved, L-shaped)
   street this is the centre line from end to end; for a branched (T, H) street it is the sum of the branch
   centre lines.
5. **Width profile.** Transects perpendicular to the centre line every ``transect_spacing_m`` (default 10 m)
   are clipped to the polygon; the piece through the centre line is the local width. Stations closer than one
   estimated width to a junction or end are skipped (there a transect runs along the crossing street).
   Reported: mean, minimum and maximum of the transect widths, and area ÷ length.

Accuracy: on rectangles, L-shapes and arcs the centre line is within 0.5 % of the exact value and the width
within 1 % (see ``tests/geo/test_measure.py``); error grows where a street's width changes abruptly over less
than its own width. All work is in a metric CRS (the site's UTM zone unless one is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay

from geo.crs import utm_crs_for
from geo.errors import InvalidGeometryError

DEFAULT_TRANSECT_SPACING_M = 10.0
#: a leaf branch shorter than this many inscribed radii (at its junction) is a corner spur, not a street arm
SPUR_FACTOR = 2.0
MAX_BOUNDARY_POINTS = 4000
#: outlines with more vertices than this are simplified first (hand-drawn streets have far fewer)
SIMPLIFY_ABOVE_VERTICES = 1000
MIN_DENSIFY_M = 0.1

#: what a site measurement gives, in metres (the one list: rulesets, reports and pages read it from here)
MEASURES = ("length_m", "width_mean_m", "width_min_m", "width_max_m", "width_area_m", "area_m2")
COLUMNS = [*MEASURES, "n_transects", "method"]

POLYGON_METHOD = (
    "centre line = medial axis (Voronoi skeleton of the boundary densified every {d:.2g} m, corner spurs "
    "pruned, ends extended to the boundary); width = transects every {s:g} m perpendicular to it "
    "({n} transects); metric CRS {crs}"
)


@dataclass
class StreetProfile:
    """The centre line and width transects of one street polygon (metric CRS)."""

    centreline: shapely.Geometry
    transects: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    widths: np.ndarray = field(default_factory=lambda: np.empty(0))
    densify_m: float = 0.0

    @property
    def length(self) -> float:
        return float(shapely.length(self.centreline))


# ---------------------------------------------------------------------------------------------- skeleton
def _densify_spacing(polygon: shapely.Polygon) -> float:
    area = polygon.area
    perimeter = polygon.length
    width_estimate = 2.0 * area / perimeter if perimeter > 0 else 0.0
    return max(width_estimate / 4.0, MIN_DENSIFY_M, perimeter / MAX_BOUNDARY_POINTS)


def _simplified(polygon: shapely.Polygon, spacing: float) -> shapely.Polygon:
    """Drop vertices closer together than the densify spacing needs (a 10,000-vertex circle would otherwise
    feed 10,000 co-circular points to the Voronoi diagram); the outline moves by at most spacing / 10."""
    if shapely.get_num_coordinates(polygon) <= SIMPLIFY_ABOVE_VERTICES:
        return polygon
    tolerance = spacing / 10.0
    simple = shapely.simplify(polygon, tolerance, preserve_topology=True)
    while shapely.get_num_coordinates(simple) > MAX_BOUNDARY_POINTS:
        tolerance *= 2.0
        simple = shapely.simplify(polygon, tolerance, preserve_topology=True)
    return simple if not simple.is_empty and simple.area > 0 else polygon


class _Skeleton:
    """An undirected weighted graph on skeleton nodes, as arrays and plain lists (no networkx).

    Nodes are kept in order of first appearance and each edge once (a repeated edge keeps its first place and
    last weight), as ``networkx.Graph`` would; the branch walks run over plain lists.
    """

    def __init__(self, u: np.ndarray, v: np.ndarray, weight: np.ndarray) -> None:
        # networkx keeps the first position of a repeated edge and the last weight
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        key = lo.astype(np.int64) * (int(max(u.max(initial=0), v.max(initial=0))) + 1) + hi
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        last = np.zeros(len(first), dtype=np.int64)
        last[inverse] = np.arange(len(key))  # later positions overwrite earlier ones
        keep = np.sort(first)
        slot = np.empty(len(first), dtype=np.int64)
        slot[np.argsort(first)] = np.arange(len(first))
        self.u, self.v = u[keep], v[keep]
        self.weight = np.empty(len(keep))
        self.weight[slot] = weight[last]
        flat = np.column_stack([self.u, self.v]).ravel()
        order_nodes, first_seen = np.unique(flat, return_index=True)
        self.nodes = order_nodes[np.argsort(first_seen, kind="stable")]  # insertion order
        self.alive = np.ones(len(self.u), dtype=bool)
        self._index()

    def _index(self) -> None:
        size = int(max(self.u.max(initial=-1), self.v.max(initial=-1))) + 1
        live = np.flatnonzero(self.alive)
        ends = np.concatenate([self.u[live], self.v[live]])
        other = np.concatenate([self.v[live], self.u[live]])
        edge = np.concatenate([live, live])
        order = np.lexsort((edge, ends))  # each node's neighbours in edge insertion order
        self.degree = np.bincount(ends, minlength=size)
        start = np.concatenate([[0], np.cumsum(self.degree)])
        self._start = start.tolist()
        self._other = other[order].tolist()
        self._weight = self.weight[edge[order]].tolist()
        self._degree = self.degree.tolist()

    @property
    def edge_count(self) -> int:
        return int(self.alive.sum())

    def node_count(self) -> int:
        return int((self.degree[self.nodes] > 0).sum())

    def leaves(self) -> list[int]:
        return self.nodes[self.degree[self.nodes] == 1].tolist()

    def leaf_branch(self, leaf: int, limit: float = np.inf) -> tuple[list[int], float, list[float]]:
        """Walk from a leaf to the first node whose degree is not 2 (or ``limit`` metres); path, length and
        the length of each step."""
        start, other, weight, degree = self._start, self._other, self._weight, self._degree
        path = [leaf]
        steps: list[float] = []
        length = 0.0
        previous, current = -1, leaf
        while True:
            if (current != leaf and degree[current] != 2) or length > limit:
                return path, length, steps
            step = -1
            for j in range(start[current], start[current + 1]):
                if other[j] != previous:
                    step = j
                    break
            if step < 0:
                return path, length, steps
            nxt = other[step]
            length += weight[step]
            steps.append(weight[step])
            path.append(nxt)
            previous, current = current, nxt
            if nxt == leaf:  # a loop
                return path, length, steps

    def remove_nodes(self, nodes) -> None:
        gone = np.zeros(len(self.degree), dtype=bool)
        gone[list(nodes)] = True
        self.alive &= ~(gone[self.u] | gone[self.v])
        self.nodes = self.nodes[~gone[self.nodes]]
        self._index()

    def edges(self) -> np.ndarray:
        """(k, 2) live edges in networkx order: by earlier node, then insertion; from the earlier node."""
        live = np.flatnonzero(self.alive)
        rank = np.empty(len(self.degree), dtype=np.int64)
        rank[self.nodes] = np.arange(len(self.nodes))
        u, v = self.u[live], self.v[live]
        swap = rank[v] < rank[u]
        a, b = np.where(swap, v, u), np.where(swap, u, v)
        # within one node, networkx lists neighbours in the order the edges were added to that node
        order = np.lexsort((live, rank[a]))
        return np.column_stack([a[order], b[order]])


def _voronoi_ridges(points: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """The Voronoi diagram of ``points``: vertex coordinates and finite ridges (pairs of vertex indices).

    Vertices are the circumcentres of the Delaunay triangles (Qhull's Delaunay on centred coordinates is
    several times faster than its Voronoi); triangles whose circumcentres lie within ``tolerance`` of each
    other along a chain of shared sides (co-circular boundary points) are one vertex, as Qhull merges them.
    """
    centre = points.mean(axis=0)
    local = points - centre
    triangulation = Delaunay(local)
    a, b, c = (local[triangulation.simplices[:, i]] for i in range(3))
    ab, ac = b - a, c - a
    d = 2.0 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
    ab2, ac2 = (ab * ab).sum(axis=1), (ac * ac).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ux = (ac[:, 1] * ab2 - ab[:, 1] * ac2) / d
        uy = (ab[:, 0] * ac2 - ac[:, 0] * ab2) / d
    vertices = a + np.column_stack([ux, uy])
    neighbours = triangulation.neighbors
    here = np.repeat(np.arange(len(neighbours)), 3)
    there = neighbours.ravel()
    pair = (there >= 0) & (here < there)
    here, there = here[pair], there[pair]
    with np.errstate(invalid="ignore"):
        tiny = np.hypot(*(vertices[here] - vertices[there]).T) <= tolerance
    merged = coo_matrix((np.ones(int(tiny.sum())), (here[tiny], there[tiny])), shape=(len(vertices),) * 2)
    _, label = connected_components(merged, directed=False)
    _, first = np.unique(label, return_index=True)
    ridges = np.column_stack([label[here[~tiny]], label[there[~tiny]]])
    ridges = ridges[ridges[:, 0] != ridges[:, 1]]
    return vertices[first] + centre, ridges


def _skeleton_graph(polygon: shapely.Polygon, spacing: float) -> tuple[_Skeleton, np.ndarray]:
    """Interior Voronoi edges of the densified boundary as a weighted graph; node coordinates alongside."""
    boundary_points = shapely.get_coordinates(shapely.segmentize(polygon.boundary, spacing))
    boundary_points = np.unique(np.round(boundary_points, 9), axis=0)
    vertices, ridges = _voronoi_ridges(boundary_points, 1e-4 * spacing)
    empty = np.zeros(0, dtype=np.int64)
    finite = np.isfinite(vertices).all(axis=1)
    ridges = ridges[finite[ridges].all(axis=1)]
    edges = shapely.linestrings(vertices[ridges])
    shapely.prepare(polygon)
    ridges = ridges[shapely.within(edges, polygon)]
    if not len(ridges):
        return _Skeleton(empty, empty, np.zeros(0)), np.empty((0, 2))
    used, inverse = np.unique(ridges, return_inverse=True)
    nodes = vertices[used]
    inverse = inverse.reshape(-1, 2)
    lengths = np.hypot(*(nodes[inverse[:, 0]] - nodes[inverse[:, 1]]).T)
    keep = inverse[:, 0] != inverse[:, 1]
    inverse, lengths = inverse[keep], lengths[keep]
    if len(inverse) == 0:
        return _Skeleton(empty, empty, np.zeros(0)), nodes
    adjacency = coo_matrix((lengths, (inverse[:, 0], inverse[:, 1])), shape=(len(nodes), len(nodes)))
    n_components, labels = connected_components(adjacency, directed=False)
    if n_components > 1:
        total = np.bincount(labels[inverse[:, 0]], weights=lengths, minlength=n_components)
        largest = labels[inverse[:, 0]] == np.argmax(total)
        inverse, lengths = inverse[largest], lengths[largest]
    return _Skeleton(inverse[:, 0], inverse[:, 1], lengths), nodes


def _prune_spurs(graph: _Skeleton, radius: np.ndarray) -> None:
    """Remove leaf branches shorter than SPUR_FACTOR inscribed radii (corner spurs), in place, one pass."""
    to_remove: set[int] = set()
    for leaf in graph.leaves():
        path, length, _ = graph.leaf_branch(leaf, SPUR_FACTOR * radius.max())
        junction = path[-1]
        if graph.degree[junction] >= 3 and length < SPUR_FACTOR * radius[junction]:
            to_remove.update(path[:-1])
    # never prune the whole skeleton (a square or a disc): keep it when nothing would be left
    if to_remove and len(to_remove) < graph.node_count() - 1:
        graph.remove_nodes(to_remove)


def _extension(graph: _Skeleton, nodes: np.ndarray, radius: np.ndarray, leaf: int,
               polygon: shapely.Polygon, spacing: float) -> shapely.LineString | None:
    """The segment from a leaf of the pruned skeleton along its last direction to the polygon boundary."""
    wanted = max(2.0 * radius[leaf], 2.0 * spacing)
    path, branch_length, steps = graph.leaf_branch(leaf, 2.0 * wanted)
    back = min(wanted, max(branch_length / 2.0, spacing))
    walked = 0.0
    anchor = path[-1]
    for b, step in zip(path[1:], steps, strict=True):
        walked += step
        anchor = b
        if walked >= back:
            break
    direction = nodes[leaf] - nodes[anchor]
    norm = np.hypot(*direction)
    if norm == 0:
        return None
    direction /= norm
    reach = 4.0 * radius[leaf] + 4.0 * spacing
    ray = shapely.LineString([nodes[leaf], nodes[leaf] + direction * reach])
    hit = shapely.intersection(ray, polygon.boundary)
    if hit.is_empty:
        return None
    hit_points = shapely.get_coordinates(hit)
    distances = np.hypot(*(hit_points - nodes[leaf]).T)
    distances = distances[distances > 1e-9]
    if len(distances) == 0:
        return None
    end = nodes[leaf] + direction * distances.min()
    return shapely.LineString([nodes[leaf], end])


def _oriented(lines: np.ndarray) -> np.ndarray:
    """Each line running from its lower-left end (smaller x, then y): transect stations then do not depend on
    the order in which the skeleton's pieces happened to be merged."""
    if not len(lines):
        return lines
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    last = shapely.get_coordinates(shapely.get_point(lines, -1))
    flip = (last[:, 0] < first[:, 0]) | ((last[:, 0] == first[:, 0]) & (last[:, 1] < first[:, 1]))
    lines = np.asarray(lines, dtype=object).copy()
    lines[flip] = shapely.reverse(lines[flip])
    return lines


def _long_axis(polygon: shapely.Polygon) -> shapely.Geometry:
    """Fallback for compact shapes without a skeleton (a disc): the long axis of the minimum rotated
    rectangle through the centroid, clipped to the polygon."""
    corners = shapely.get_coordinates(shapely.oriented_envelope(polygon))[:4]
    sides = np.roll(corners, -1, axis=0) - corners
    longest = sides[np.argmax(np.hypot(sides[:, 0], sides[:, 1]))]
    centre = np.array(polygon.centroid.coords[0])
    reach = 2.0 * np.hypot(*longest) + 1.0
    unit = longest / np.hypot(*longest)
    axis = shapely.LineString([centre - unit * reach, centre + unit * reach])
    clipped = shapely.get_parts(shapely.intersection(axis, polygon))
    return max(clipped, key=lambda g: g.length) if len(clipped) else shapely.LineString()


def centreline(polygon: shapely.Polygon | shapely.MultiPolygon) -> tuple[shapely.Geometry, float]:
    """Centre line of a polygon in a metric CRS (see the module docstring) and the densify spacing used.

    Returns a LineString for a simple street, a MultiLineString for a branched one or a multipolygon.
    """
    lines: list[shapely.Geometry] = []
    spacings: list[float] = []
    for part in shapely.get_parts(polygon):
        if part.is_empty or part.area <= 0:
            continue
        spacing = _densify_spacing(part)
        spacings.append(spacing)
        part = _simplified(part, spacing)
        graph, nodes = _skeleton_graph(part, spacing)
        if graph.edge_count == 0:
            lines.append(_long_axis(part))
            continue
        radius = shapely.distance(shapely.points(nodes), part.boundary)
        _prune_spurs(graph, radius)
        pairs = graph.edges()
        segments = list(shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1)))
        for leaf in graph.leaves():
            extension = _extension(graph, nodes, radius, leaf, part, spacing)
            if extension is not None:
                segments.append(extension)
        merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(segments)))
        lines.extend(_oriented(merged))
    if not lines:
        return shapely.LineString(), 0.0
    result = lines[0] if len(lines) == 1 else shapely.multilinestrings(lines)
    return result, (max(spacings) if spacings else 0.0)


# ---------------------------------------------------------------------------------------------- widths
def _stations(lines: np.ndarray, spacing: float, skip_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line index and distance along each line of the transect stations."""
    which: list[np.ndarray] = []
    where: list[np.ndarray] = []
    for i, (line, skip) in enumerate(zip(lines, skip_ends, strict=True)):
        length = line.length
        at = np.arange(spacing / 2.0, length, spacing)
        at = at[(at >= skip) & (at <= length - skip)]
        if len(at) == 0 and length > 0:
            at = np.array([length / 2.0])
        which.append(np.full(len(at), i))
        where.append(at)
    if not which:
        return np.empty(0, dtype=int), np.empty(0)
    return np.concatenate(which), np.concatenate(where)


def street_profile(polygon: shapely.Polygon | shapely.MultiPolygon, *,
                   transect_spacing_m: float = DEFAULT_TRANSECT_SPACING_M) -> StreetProfile:
    """Centre line and width transects of a street polygon given in a metric CRS."""
    if transect_spacing_m <= 0 or not np.isfinite(transect_spacing_m):
        raise InvalidGeometryError("transect spacing must be a positive number of metres")
    line, spacing = centreline(polygon)
    if line.is_empty:
        return StreetProfile(line, densify_m=spacing)
    # transects are cut from the simplified outline along a simplified centre line: same widths to a tenth of
    # the densify spacing, without thousands of vertices per intersection
    polygon = shapely.union_all([_simplified(p, spacing) for p in shapely.get_parts(polygon)])
    if shapely.get_num_coordinates(line) > SIMPLIFY_ABOVE_VERTICES:
        line = shapely.simplify(line, spacing / 10.0)
    branches = np.asarray(shapely.get_parts(line))
    perimeter = shapely.length(polygon)
    width_estimate = 2.0 * shapely.area(polygon) / perimeter if perimeter else 0.0
    skip = np.full(len(branches), width_estimate)
    index, along = _stations(branches, transect_spacing_m, skip)
    delta = np.minimum(max(spacing, 0.5), np.maximum(along, 1e-6))
    before = shapely.line_interpolate_point(branches[index], np.maximum(along - delta, 0.0))
    after = shapely.line_interpolate_point(branches[index], along + delta)
    centre = shapely.line_interpolate_point(branches[index], along)
    tangent = shapely.get_coordinates(after) - shapely.get_coordinates(before)
    norms = np.hypot(tangent[:, 0], tangent[:, 1])
    ok = norms > 0
    tangent, centre, index = tangent[ok] / norms[ok, None], centre[ok], index[ok]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    c = shapely.get_coordinates(centre)
    half = 2.0 * width_estimate + 4.0 * spacing + 1.0
    # a transect long enough for the widest plausible section, clipped to the polygon
    max_radius = float(np.max(shapely.distance(centre, shapely.boundary(polygon)))) if len(c) else 0.0
    half = max(half, 2.5 * max_radius + 1.0)
    transects = shapely.linestrings(np.stack([c - normal * half, c + normal * half], axis=1))
    clipped = shapely.intersection(transects, polygon)
    parts, part_of = shapely.get_parts(clipped, return_index=True)
    distance = shapely.distance(parts, centre[part_of])
    # per transect, the piece through its centre point (the nearest one when several touch it)
    through = np.flatnonzero(distance < 1e-6 * max(half, 1.0) + 1e-9)
    through = through[np.lexsort((through, distance[through], part_of[through]))]
    first = through[np.concatenate([[True], part_of[through][1:] != part_of[through][:-1]])] if len(through) else through
    pieces = parts[first] if len(first) else np.empty(0, dtype=object)
    return StreetProfile(line, pieces, shapely.length(pieces).astype(float), spacing)


def measure_polygon(polygon: shapely.Polygon | shapely.MultiPolygon, *,
                    transect_spacing_m: float = DEFAULT_TRANSECT_SPACING_M,
                    crs_name: str = "input units (m)") -> tuple[dict[str, float | str], StreetProfile]:
    """Measurements of one polygon in a metric CRS (the row :func:`measure` gives) and its street profile."""
    profile = street_profile(polygon, transect_spacing_m=transect_spacing_m)
    area = float(shapely.area(polygon))
    length = profile.length
    widths = profile.widths
    values: dict[str, float | str] = {
        "length_m": length,
        "width_mean_m": float(widths.mean()) if len(widths) else np.nan,
        "width_min_m": float(widths.min()) if len(widths) else np.nan,
        "width_max_m": float(widths.max()) if len(widths) else np.nan,
        "width_area_m": area / length if length > 0 else np.nan,
        "area_m2": area,
        "n_transects": float(len(widths)),
        "method": POLYGON_METHOD.format(d=profile.densify_m, s=transect_spacing_m, n=len(widths), crs=crs_name),
    }
    return values, profile


def measure_geometry(geometry: shapely.Geometry, *, width_m: float | None = None,
                     transect_spacing_m: float = DEFAULT_TRANSECT_SPACING_M,
                     crs_name: str = "input units (m)") -> tuple[dict[str, float | str], StreetProfile | None]:
    """One geometry already in a metric CRS → (the row :func:`measure` gives, street profile or None).

    Polygons get their measured profile (centre line, transects, widths); lines a profile that is the line
    itself without transects; points None.

    The single-site path of the checks; :func:`measure` is the vectorised one and gives the same numbers.
    """
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return measure_polygon(geometry, transect_spacing_m=transect_spacing_m, crs_name=crs_name)
    values: dict[str, float | str] = {name: np.nan for name in COLUMNS[:-1]}
    if geometry is None or shapely.is_empty(geometry):
        values["method"] = ""
        return values, None
    if geometry.geom_type in ("LineString", "MultiLineString", "LinearRing"):
        width = np.nan if width_m is None else float(width_m)
        length = float(shapely.length(geometry))
        values.update(length_m=length, width_mean_m=width, width_min_m=width, width_max_m=width,
                      width_area_m=width, area_m2=length * width, n_transects=0.0,
                      method=f"line length in {crs_name}; " + ("width given" if np.isfinite(width) else "width unknown"))
        return values, StreetProfile(geometry)
    values["method"] = "point: no length or width" if geometry.geom_type in ("Point", "MultiPoint") else ""
    return values, None


# ---------------------------------------------------------------------------------------------- vectorised API
def _metric(geoms: gpd.GeoSeries, metric_crs: CRS | str | None) -> gpd.GeoSeries:
    if geoms.crs is None:
        return geoms  # already metric by convention
    if metric_crs is None and geoms.crs.is_geographic:
        minx, miny, maxx, maxy = geoms.total_bounds
        if not np.all(np.isfinite([minx, miny, maxx, maxy])):
            raise InvalidGeometryError("cannot choose a metric CRS for empty geometries")
        metric_crs = utm_crs_for((minx + maxx) / 2.0, (miny + maxy) / 2.0)
    if metric_crs is None:
        return geoms
    return geoms.to_crs(metric_crs)


def _crs_name(geoms: gpd.GeoSeries) -> str:
    if geoms.crs is None:
        return "input units (m)"
    epsg = geoms.crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else geoms.crs.name


def measure(geoms: gpd.GeoSeries, *, metric_crs: CRS | str | None = None,
            widths: pd.Series | float | None = None,
            transect_spacing_m: float = DEFAULT_TRANSECT_SPACING_M) -> pd.DataFrame:
    """Length, width profile and area of every geometry, in metres.

    Parameters
    ----------
    geoms
        Sites in any CRS. Geographic input is projected to ``metric_crs`` (default: the UTM zone of the
        geometries' centre); a GeoSeries without CRS is taken to be in metres already.
    widths
        Width of line features in metres (a number, or a Series indexed like ``geoms``; NaN = unknown), from an
        attribute or a chosen buffer. Ignored for polygons, whose width is measured.
    transect_spacing_m
        Distance between width transects along the centre line.

    Returns
    -------
    DataFrame indexed like ``geoms`` with ``length_m``, ``width_mean_m``, ``width_min_m``, ``width_max_m``,
    ``width_area_m`` (area ÷ length), ``area_m2``, ``n_transects`` and ``method``. Values that do not apply
    (width of a point, length of a point) are NaN.
    """
    metric = _metric(geoms, metric_crs)
    crs_name = _crs_name(metric)
    values = np.asarray(metric.values)
    n = len(values)
    out = {name: np.full(n, np.nan) for name in COLUMNS[:-1]}
    methods = np.full(n, "", dtype=object)
    if isinstance(widths, pd.Series):
        line_widths = widths.reindex(geoms.index).to_numpy(dtype=float)
    else:
        line_widths = np.full(n, np.nan if widths is None else float(widths))

    types = shapely.get_type_id(values)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    is_point = np.isin(types, [0, 4]) & present
    is_line = np.isin(types, [1, 2, 5]) & present
    is_polygon = np.isin(types, [3, 6]) & present

    methods[is_point] = "point: no length or width"
    length = shapely.length(values[is_line])
    width = line_widths[is_line]
    out["length_m"][is_line] = length
    for name in ("width_mean_m", "width_min_m", "width_max_m", "width_area_m"):
        out[name][is_line] = width
    out["area_m2"][is_line] = length * width
    out["n_transects"][is_line] = 0
    methods[is_line] = [
        f"line length in {crs_name}; " + ("width given" if np.isfinite(w) else "width unknown") for w in width
    ]
    for position in np.flatnonzero(is_polygon):
        values_one, _ = measure_polygon(values[position], transect_spacing_m=transect_spacing_m, crs_name=crs_name)
        for name in COLUMNS[:-1]:
            out[name][position] = values_one[name]
        methods[position] = values_one["method"]
    result = pd.DataFrame(out, index=geoms.index)
    result["method"] = methods
    return result


def centrelines(geoms: gpd.GeoSeries, *, metric_crs: CRS | str | None = None) -> gpd.GeoSeries:
    """Centre lines of polygons (lines pass through, points give empty), in the CRS of ``geoms``."""
    metric = _metric(geoms, metric_crs)
    out = []
    for geom in metric.values:
        if geom is None or geom.is_empty:
            out.append(shapely.LineString())
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            out.append(centreline(geom)[0])
        elif geom.geom_type in ("LineString", "MultiLineString"):
            out.append(geom)
        else:
            out.append(shapely.LineString())
    series = gpd.GeoSeries(out, index=geoms.index, crs=metric.crs)
    return series.to_crs(geoms.crs) if geoms.crs is not None and metric.crs != geoms.crs else series
