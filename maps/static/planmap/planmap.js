/* planmap runtime for the Folium map pages: layer styling, popups, legend, basemap switch, draw-and-check.
 *
 * Everything that comes from data or from the user reaches the page through textContent or DOM nodes,
 * never through innerHTML, so a feature named "<img src=x onerror=alert(1)>" shows as text.
 */
(function () {
  'use strict';
  var pm = window.planmap = window.planmap || {};

  pm.cfg = {lang: 'zh', crs: 'wgs84', links: true, mapsUrl: '/maps', apiUrl: '/api'};

  /* Drawn and uploaded points use a CSS icon, not Leaflet's PNG marker (whose path detection fails when the
     stylesheet is inlined into a standalone file). */
  pm.pointIcon = L.divIcon({className: 'pm-point-icon', iconSize: [16, 16]});
  if (L.Draw && L.Draw.Marker) { L.Draw.Marker.mergeOptions({icon: pm.pointIcon}); }

  // ------------------------------------------------------------------ small helpers
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  pm.el = el;

  function t(zh, en) { return pm.cfg.lang === 'en' ? en : zh; }
  pm.t = t;

  /* Words from the one vocabulary (maps/vocabulary.json, embedded by the page as planmap.vocab): word('status.pass')
     is the same word the audit, the sheets and the CLI use. A key the vocabulary lacks is shown as it is. */
  function word(key) {
    var dot = key.indexOf('.');
    var section = (pm.vocab || {})[key.slice(0, dot)] || {};
    var entry = Object.prototype.hasOwnProperty.call(section, key.slice(dot + 1)) ? section[key.slice(dot + 1)] : null;
    return entry ? t(entry.zh, entry.en) : key.slice(dot + 1);
  }
  pm.word = word;
  function hasWord(section, name) {
    return Object.prototype.hasOwnProperty.call((pm.vocab || {})[section] || {}, name);
  }
  /* A measurement key (length_m …) as label and unit from the vocabulary: ['长度', 'm']. */
  function measureWords(key) {
    if (!hasWord('measure', key)) { return [hasWord('label', key) ? word('label.' + key) : key, '']; }
    var unit = pm.vocab.measure[key].unit;
    return [word('measure.' + key), unit ? word('unit.' + unit) : ''];
  }
  pm.measureWords = measureWords;

  function fmt(value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    if (value === true) { return t('是', 'yes'); }
    if (value === false) { return t('否', 'no'); }
    if (typeof value === 'number') {
      if (!isFinite(value)) { return '∞'; }
      return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Math.round(value * 100) / 100);
    }
    if (Array.isArray(value)) { return value.map(fmt).join('、'); }
    if (typeof value === 'object') {
      return Object.keys(value).map(function (k) { return k + ': ' + fmt(value[k]); }).join('; ');
    }
    return String(value);
  }
  pm.fmt = fmt;

  // ------------------------------------------------------------------ GCJ-02 (mirror of geo/crs.py)
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outOfChina(lon, lat) { return !(lon > 72.004 && lon < 137.8347 && lat > 0.8293 && lat < 55.8271); }
  function gcjOffset(lon, lat) {
    if (outOfChina(lon, lat)) { return [0, 0]; }
    var x = lon - 105.0, y = lat - 35.0, PI = Math.PI;
    var dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0 +
      (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    var dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0 +
      (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0 +
      (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    var radlat = lat / 180.0 * PI, magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat), sq = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
    dlon = (dlon * 180.0) / (A / sq * Math.cos(radlat) * PI);
    return [dlon, dlat];
  }
  pm.wgs84ToGcj02 = function (lon, lat) { var d = gcjOffset(lon, lat); return [lon + d[0], lat + d[1]]; };
  pm.gcj02ToWgs84 = function (lon, lat) {
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 6; i++) {
      var f = pm.wgs84ToGcj02(wlon, wlat);
      wlon -= f[0] - lon; wlat -= f[1] - lat;
    }
    return [wlon, wlat];
  };
  /* display coordinates (what the map shows) <-> WGS84 (what the API speaks) */
  pm.toDisplay = function (lon, lat) { return pm.cfg.crs === 'gcj02' ? pm.wgs84ToGcj02(lon, lat) : [lon, lat]; };
  pm.toWgs84 = function (lon, lat) { return pm.cfg.crs === 'gcj02' ? pm.gcj02ToWgs84(lon, lat) : [lon, lat]; };
  function mapCoords(coords, fn) {
    if (typeof coords[0] === 'number') {
      var r = fn(coords[0], coords[1]);
      return [Math.round(r[0] * 1e7) / 1e7, Math.round(r[1] * 1e7) / 1e7];
    }
    return coords.map(function (c) { return mapCoords(c, fn); });
  }
  pm.mapGeometry = function (geom, fn) {
    if (!geom) { return geom; }
    if (geom.type === 'GeometryCollection') {
      return {type: geom.type, geometries: geom.geometries.map(function (g) { return pm.mapGeometry(g, fn); })};
    }
    return {type: geom.type, coordinates: mapCoords(geom.coordinates, fn)};
  };
  pm.mapGeoJSON = function (obj, fn) {
    if (!obj) { return obj; }
    if (obj.type === 'FeatureCollection') {
      return {type: obj.type, features: obj.features.map(function (f) { return pm.mapGeoJSON(f, fn); })};
    }
    if (obj.type === 'Feature') {
      return {type: 'Feature', properties: obj.properties || {}, geometry: pm.mapGeometry(obj.geometry, fn)};
    }
    return pm.mapGeometry(obj, fn);
  };

  // ------------------------------------------------------------------ layers
  function categoryColour(style, props) {
    if (!style.category_field) { return null; }
    var value = props[style.category_field];
    if (value === null || value === undefined) { return null; }
    var key = String(value);
    if (Object.prototype.hasOwnProperty.call(style.categories, key)) { return style.categories[key]; }
    // multi-valued fields ("1;2") take the colour of their first known value
    var parts = key.split(/[;,、]/);
    for (var i = 0; i < parts.length; i++) {
      if (Object.prototype.hasOwnProperty.call(style.categories, parts[i].trim())) {
        return style.categories[parts[i].trim()];
      }
    }
    return null;
  }

  pm.pathStyle = function (cfg, props) {
    var s = cfg.style, cat = categoryColour(s, props);
    var polygonal = cfg.kind === 'polygon';
    var fill = s.fill_color || s.color;
    if (cat && (polygonal || !s.fill_color)) { fill = cat; }
    var out = {
      color: cat || s.color, weight: s.weight, opacity: s.opacity, fillColor: fill,
      fillOpacity: cfg.kind === 'point' ? Math.max(s.fill_opacity, 0.75) : s.fill_opacity,
      dashArray: s.dash_array || null
    };
    if (cfg.kind === 'line') { out.fill = false; }
    return out;
  };

  function labelOf(cfg, props) {
    var field = cfg.style.label_field || 'name';
    if (pm.cfg.lang === 'en' && field === 'name' && props.name_en) { return props.name_en; }
    var value = props[field];
    if (value === null || value === undefined || value === '') { value = props.name || props.id || cfg.title; }
    return value;
  }
  pm.labelOf = labelOf;

  /* A category code shown by its name in the page language (from the catalogue's category_labels). */
  function valueLabel(cfg, field, value) {
    var names = (cfg.value_labels || {})[field];
    if (!names || typeof value !== 'string') { return value; }
    return Object.prototype.hasOwnProperty.call(names, value) ? names[value] : value;
  }
  pm.valueLabel = valueLabel;

  /* Credits in the attribution control while the layer is on the map. The control counts identical texts, so a
     credit needed by ten layers shows once and goes when the last of them is switched off. */
  function bindCredits(layer, keys) {
    var texts = (keys || []).map(function (key) { return (pm.cfg.credits || {})[key]; })
      .filter(function (text) { return !!text; });
    if (!texts.length) { return; }
    layer.on('add', function () {
      var control = layer._map && layer._map.attributionControl;
      if (!control) { return; }
      texts.forEach(function (text) { control.addAttribution(text); });
      layer.once('remove', function () {
        texts.forEach(function (text) { control.removeAttribution(text); });
      });
    });
  }

  pm.popupContent = function (cfg, props) {
    var box = el('div', null, 'pm-popup');
    box.appendChild(el('div', labelOf(cfg, props), 'pm-popup-title'));
    var sub = el('div', cfg.title, 'pm-popup-layer');
    if (cfg.schematic || props.schematic === true) {
      sub.appendChild(el('span', t('示意', 'schematic'), 'pm-badge pm-badge-schematic'));
    }
    box.appendChild(sub);
    var table = el('table', null, 'pm-attrs');
    cfg.fields.forEach(function (pair) {
      var value = props[pair[0]];
      if (value === null || value === undefined || value === '') { return; }
      var row = el('tr');
      row.appendChild(el('th', pair[1]));
      row.appendChild(el('td', fmt(valueLabel(cfg, pair[0], value))));
      table.appendChild(row);
    });
    if (table.childNodes.length) { box.appendChild(table); }
    var prov = el('div', null, 'pm-prov');
    prov.appendChild(el('div', t('来源：', 'Source: ') + fmt(props.source)));
    prov.appendChild(el('div', t('方法：', 'Method: ') + fmt(props.method)));
    prov.appendChild(el('div', t('精度：±', 'Accuracy: ±') + fmt(props.accuracy_m) + ' m'));
    box.appendChild(prov);
    if (cfg.link && pm.cfg.links && props.id !== undefined) {
      var a = el('a', cfg.link_label, 'pm-popup-link');
      a.href = cfg.link + encodeURIComponent(String(props.id)) + (pm.cfg.linkQuery || '');
      a.target = '_top';
      box.appendChild(a);
    }
    return box;
  };

  /* An L.GeoJSON for one catalogue layer; cfg comes from maps/builders.py (layer_config). */
  pm.geojson = function (data, cfg) {
    var common = cfg.common || {};
    function propsOf(feature) { return Object.assign({}, common, feature.properties || {}); }
    var options = {
      interactive: cfg.interactive !== false,
      style: function (feature) { return pm.pathStyle(cfg, propsOf(feature)); },
      pointToLayer: function (feature, latlng) {
        var st = pm.pathStyle(cfg, propsOf(feature));
        st.radius = cfg.style.radius;
        st.interactive = cfg.interactive !== false;
        if (cfg.pane) { st.pane = cfg.pane; }
        return L.circleMarker(latlng, st);
      },
      onEachFeature: function (feature, layer) {
        if (cfg.interactive === false) { return; }
        var props = propsOf(feature);
        layer.bindTooltip(function () { return el('span', labelOf(cfg, props)); },
          {sticky: cfg.kind !== 'point', direction: 'top'});
        layer.bindPopup(function () { return pm.popupContent(cfg, props); }, {maxWidth: 340});
      }
    };
    if (cfg.pane) { options.pane = cfg.pane; }
    var layer = L.geoJSON(data, options);
    layer.planmapId = cfg.id;
    bindCredits(layer, cfg.credits);
    return layer;
  };

  // ------------------------------------------------------------------ page furniture
  pm.init = function (map, cfg) {
    Object.assign(pm.cfg, cfg || {});
    if (map.attributionControl) { map.attributionControl.setPrefix('Leaflet'); }
    if (!map.getPane('pmBase')) {
      map.createPane('pmBase');
      map.getPane('pmBase').style.zIndex = 250;
    }
    map.getContainer().classList.add('pm-basemap-' + (pm.cfg.basemap || 'none'));
    pm.map = map;
  };

  /* The legend: a server-rendered (escaped) block moved into a map control; entries follow the map's layers. */
  pm.legend = function (map, nodeId, layersById) {
    var node = document.getElementById(nodeId);
    if (!node) { return; }
    var Legend = L.Control.extend({
      options: {position: 'bottomright'},
      onAdd: function () {
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        node.hidden = false;
        return node;
      }
    });
    new Legend().addTo(map);
    var pending = false;
    function update() {
      pending = false;
      var entries = node.querySelectorAll('[data-layer]');
      var shown = 0;
      for (var i = 0; i < entries.length; i++) {
        var layer = layersById[entries[i].getAttribute('data-layer')];
        var on = !layer || map.hasLayer(layer);
        entries[i].hidden = !on;
        if (on) { shown += 1; }
      }
      node.classList.toggle('pm-legend-empty', shown === 0);
    }
    function schedule() { if (!pending) { pending = true; setTimeout(update, 0); } }
    map.on('layeradd layerremove', schedule);
    update();
    /* layers made on the page (the walk isochrone) join the legend through these */
    pm.legendNode = node;
    pm.legendLayers = layersById;
    pm.legendUpdate = schedule;
  };

  /* Basemap choice: links that reload the page with ?basemap=… (data must be re-projected server-side). */
  pm.basemapControl = function (map, choices) {
    var Control = L.Control.extend({
      options: {position: 'bottomleft'},
      onAdd: function () {
        var box = el('div', null, 'pm-basemaps leaflet-bar');
        box.appendChild(el('span', t('底图', 'Basemap'), 'pm-basemaps-title'));
        choices.forEach(function (choice) {
          var a = el('a', choice.label, choice.active ? 'pm-active' : '');
          a.href = choice.href;
          a.setAttribute('data-basemap', choice.id);
          if (choice.active) { a.setAttribute('aria-current', 'true'); }
          box.appendChild(a);
        });
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Control().addTo(map);
  };

  pm.focus = function (map, layer, padding) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [padding || 40, padding || 40], maxZoom: 17}); }
  };

  // ------------------------------------------------------------------ draw-and-check
  var OVERALL_STYLE = {
    pass: {color: '#1a7f37', fillColor: '#2da44e'}, fail: {color: '#c62828', fillColor: '#e53935'},
    incomplete: {color: '#b26a00', fillColor: '#f0a202'}
  };
  /* A criterion status, or with section 'overall' an overall result, in the vocabulary's words. */
  function statusText(status, section) {
    section = section || 'status';
    return hasWord(section, String(status)) ? word(section + '.' + status) : String(status);
  }
  pm.statusText = statusText;

  // ------------------------------------------------------------------ walk isochrone of the site
  /* Centroid of a GeoJSON geometry (lon/lat): area-weighted for polygons, length-weighted for lines, the mean of
     points. Small sites only (planar in degrees), which is what a drawn site is. */
  function ringCentroid(ring) {
    var a = 0, cx = 0, cy = 0;
    for (var i = 0, n = ring.length - 1; i < n; i++) {
      var p = ring[i], q = ring[i + 1], f = p[0] * q[1] - q[0] * p[1];
      a += f; cx += (p[0] + q[0]) * f; cy += (p[1] + q[1]) * f;
    }
    return {a: a / 2, x: a ? cx / (3 * a) : 0, y: a ? cy / (3 * a) : 0};
  }
  pm.centroid = function (geom) {
    if (!geom) { return null; }
    var polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.type === 'MultiPolygon' ? geom.coordinates : [];
    var area = 0, x = 0, y = 0;
    polys.forEach(function (poly) {
      poly.forEach(function (ring, k) {
        var c = ringCentroid(ring), w = Math.abs(c.a) * (k === 0 ? 1 : -1);
        area += w; x += c.x * w; y += c.y * w;
      });
    });
    if (area > 0) { return [x / area, y / area]; }
    var lines = geom.type === 'LineString' ? [geom.coordinates] : geom.type === 'MultiLineString' ? geom.coordinates
      : polys.length ? polys.map(function (poly) { return poly[0]; }) : [];
    var length = 0; x = 0; y = 0;
    lines.forEach(function (line) {
      for (var i = 0; i + 1 < line.length; i++) {
        var p = line[i], q = line[i + 1], d = Math.sqrt(Math.pow(q[0] - p[0], 2) + Math.pow(q[1] - p[1], 2));
        length += d; x += (p[0] + q[0]) / 2 * d; y += (p[1] + q[1]) / 2 * d;
      }
    });
    if (length > 0) { return [x / length, y / length]; }
    var points = geom.type === 'Point' ? [geom.coordinates] : geom.type === 'MultiPoint' ? geom.coordinates
      : lines.length ? lines[0] : [];
    if (!points.length) { return null; }
    x = 0; y = 0;
    points.forEach(function (p) { x += p[0]; y += p[1]; });
    return [x / points.length, y / points.length];
  };

  var ISO_STYLE = {color: '#1c3f95', weight: 2.5, opacity: 0.9, dashArray: null, fillColor: '#4dabf7',
                   fillOpacity: 0.16, interactive: false};
  var ISO_ID = 'pm-isochrone';

  function isoMethodText(props) {
    var method = props.method === 'network' ? t('沿街道网络', 'along the street network') : fmt(props.method);
    var parts = [t('方法：', 'Method: ') + method,
      t('步行 ', 'walking ') + fmt(props.distance_m) + ' m（' + fmt(props.speed_m_per_min) + t(' 米/分钟', ' m/min') + '）'];
    if (props.area_m2 !== null && props.area_m2 !== undefined) {
      parts.push(measureWords('area_m2')[0] + ' ' + fmt(Math.round(props.area_m2 / 10000 * 10) / 10) + ' ' + word('unit.ha'));
    }
    return parts.join(' · ');
  }

  /* The "walk isochrone" control: for a point site the 15-minute isochrone is fetched at once; for any site a
     select of 5/10/15 minutes redraws it from the site's centroid (GET /api/accessibility/isochrone). The polygon
     is WGS84 from the API and shifted to the map's datum (GCJ-02 on Amap) like every other overlay. */
  function walkIsochrone(map, state, cfg) {
    if (!map.getPane('pmIsochrone')) {
      map.createPane('pmIsochrone');
      map.getPane('pmIsochrone').style.zIndex = 390;   // under the plan layers (400): they stay clickable
    }
    var seq = 0, origin = null;
    var layer = L.geoJSON(null, {pane: 'pmIsochrone', style: function () { return ISO_STYLE; }, interactive: false});
    layer.planmapId = ISO_ID;
    state.isochrone = layer;

    var box = el('div', null, 'pm-iso leaflet-bar');
    box.hidden = true;
    var label = el('label', t('步行范围', 'Walk area'), 'pm-iso-title');
    var select = el('select');
    select.id = 'pm-iso-minutes';
    label.htmlFor = select.id;
    [5, 10, 15].forEach(function (m) {
      var option = el('option', m + t(' 分钟', ' min'));
      option.value = String(m);
      if (m === 15) { option.selected = true; }
      select.appendChild(option);
    });
    var show = el('button', t('显示', 'Show'));
    show.type = 'button';
    var clear = el('button', t('清除', 'Clear'));
    clear.type = 'button';
    var note = el('div', null, 'pm-iso-note');
    [label, select, show, clear, note].forEach(function (n) { box.appendChild(n); });
    var Control = L.Control.extend({options: {position: 'topleft'}, onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }});
    new Control().addTo(map);

    function legendEntry(minutes) {
      var legend = pm.legendNode;
      if (!legend) { return; }
      var entry = legend.querySelector('[data-layer="' + ISO_ID + '"]');
      if (!entry) {
        entry = el('div', null, 'pm-legend-entry');
        entry.setAttribute('data-layer', ISO_ID);
        var item = el('div', null, 'pm-legend-item pm-legend-title');
        var swatch = el('span', null, 'pm-swatch pm-swatch-polygon');
        swatch.style.borderColor = ISO_STYLE.color;
        swatch.style.borderStyle = 'solid';
        swatch.style.background = 'rgba(77,171,247,0.3)';
        item.appendChild(swatch);
        item.appendChild(el('span', ''));
        entry.appendChild(item);
        var list = legend.querySelector('details') || legend;
        var first = list.querySelector('.pm-legend-entry');
        if (first) { list.insertBefore(entry, first); } else { list.appendChild(entry); }
        if (pm.legendLayers) { pm.legendLayers[ISO_ID] = layer; }
      }
      entry.querySelector('span:last-child').textContent = t(minutes + '分钟步行范围', minutes + '-min walk');
      if (pm.legendUpdate) { pm.legendUpdate(); }
    }

    function remove() {
      seq += 1;
      layer.clearLayers();
      if (map.hasLayer(layer)) { map.removeLayer(layer); }
      note.textContent = '';
      note.className = 'pm-iso-note';
    }

    function draw() {
      if (!origin) { return; }
      var minutes = Number(select.value);
      var mine = ++seq;
      note.textContent = t('正在计算步行范围…', 'Computing the walk area…');
      note.className = 'pm-iso-note';
      var url = cfg.isochroneEndpoint + '?lon=' + encodeURIComponent(origin[0].toFixed(7)) + '&lat=' +
        encodeURIComponent(origin[1].toFixed(7)) + '&minutes=' + encodeURIComponent(String(minutes));
      fetch(url, {method: 'GET', headers: {Accept: 'application/geo+json, application/json'}}).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; },
          function () { return {ok: false, data: {description: 'HTTP ' + response.status}}; });
      }).then(function (result) {
        if (mine !== seq) { return; }
        if (!result.ok || !result.data || !result.data.geometry) {
          note.textContent = t('无法计算步行范围：', 'No walk area: ') + fmt((result.data || {}).description);
          note.className = 'pm-iso-note pm-error';
          return;
        }
        var props = result.data.properties || {};
        layer.clearLayers();
        layer.addData(pm.mapGeoJSON({type: 'Feature', properties: {}, geometry: result.data.geometry}, pm.toDisplay));
        layer.minutes = props.minutes;
        layer.properties = props;
        if (!map.hasLayer(layer)) { layer.addTo(map); }
        legendEntry(fmt(props.minutes !== undefined ? props.minutes : minutes));
        note.textContent = '';
        note.appendChild(el('div', t(fmt(props.minutes) + ' 分钟步行范围（从场地中心）', fmt(props.minutes) + '-min walk from the site centre'), 'pm-iso-head'));
        note.appendChild(el('div', isoMethodText(props)));
        (props.warnings || []).forEach(function (w) { note.appendChild(el('div', '⚠ ' + fmt(w), 'pm-warning')); });
        if (props.attribution) { note.appendChild(el('div', fmt(props.attribution), 'pm-iso-credit')); }
      }).catch(function () {
        if (mine !== seq) { return; }
        note.textContent = t('无法连接服务：步行范围需要运行中的规划地图服务。', 'Cannot reach the service for the walk area.');
        note.className = 'pm-iso-note pm-error';
      });
    }

    select.addEventListener('change', draw);
    show.addEventListener('click', draw);
    clear.addEventListener('click', remove);

    return {
      /* a new, edited or deleted site (WGS84 geometry or null); created=true when it was just drawn or loaded */
      siteChanged: function (geometry, created) {
        var shown = map.hasLayer(layer);
        origin = pm.centroid(geometry);
        if (!origin) { remove(); box.hidden = true; return; }
        box.hidden = false;
        var point = geometry.type === 'Point';
        if (created) { remove(); }
        if ((created && point) || (!created && shown)) { draw(); }
      },
      draw: draw,
      remove: remove
    };
  }

  pm.checkTool = function (map, drawn, cfg) {
    var state = {shape: null, seq: 0, overlay: L.featureGroup().addTo(map)};
    var form = document.getElementById(cfg.formId);
    var report = document.getElementById(cfg.reportId);
    var message = document.getElementById(cfg.messageId);
    pm.check = state;

    function say(text, cls) { message.textContent = text; message.className = 'pm-message ' + (cls || ''); }

    var iso = walkIsochrone(map, state, cfg);

    function shapeGeometryWgs84() {
      if (!state.shape) { return null; }
      var geojson = state.shape.toGeoJSON();
      return pm.mapGeometry(geojson.geometry, pm.toWgs84);
    }

    function attributes() {
      var out = {};
      var inputs = form.querySelectorAll('[data-attribute]');
      for (var i = 0; i < inputs.length; i++) {
        var input = inputs[i], raw = input.value.trim();
        if (raw === '' || input.closest('[hidden]')) { continue; }
        var type = input.getAttribute('data-type');
        if (type === 'number' || type === 'integer') {
          var n = Number(raw);
          if (!isFinite(n)) { continue; }
          out[input.getAttribute('data-attribute')] = n;
        } else if (type === 'array') {
          out[input.getAttribute('data-attribute')] = raw.split(/[,，、;；\s]+/).filter(Boolean);
        } else if (type === 'boolean') {
          out[input.getAttribute('data-attribute')] = raw === 'true';
        } else {
          out[input.getAttribute('data-attribute')] = raw;
        }
      }
      return out;
    }

    function family(geometry) {
      var type = geometry && geometry.type || '';
      return /Point/.test(type) ? 'point' : /LineString/.test(type) ? 'line' : 'polygon';
    }

    // a ruleset judges some site families only (a street needs a line or polygon): pick one that fits the shape
    function fitRuleset(geometry) {
      var select = form.querySelector('[name=ruleset]');
      var wanted = family(geometry);
      var fits = function (option) { return (option.getAttribute('data-geometry') || '').split(' ').indexOf(wanted) >= 0; };
      if (!select.selectedOptions.length || fits(select.selectedOptions[0])) { return; }
      for (var i = 0; i < select.options.length; i++) {
        if (fits(select.options[i])) { select.value = select.options[i].value; showRulesetAttributes(); return; }
      }
    }

    function setShape(layer) {
      drawn.clearLayers();
      state.overlay.clearLayers();
      state.shape = layer;
      drawn.addLayer(layer);
      fitRuleset(shapeGeometryWgs84());
      run();
      iso.siteChanged(shapeGeometryWgs84(), true);
    }

    function run() {
      if (!state.shape) { say(t('请先在地图上绘制一个面、线或点。', 'Draw a polygon, line or point on the map first.')); return; }
      var body = {
        ruleset: form.querySelector('[name=ruleset]').value,
        geometry: shapeGeometryWgs84(),
        attributes: attributes()
      };
      var seq = ++state.seq;
      say(t('正在检查…', 'Checking…'), 'pm-busy');
      fetch(cfg.endpoint, {
        method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data}; },
          function () { return {ok: false, data: {description: 'HTTP ' + response.status}}; });
      }).then(function (result) {
        if (seq !== state.seq) { return; }
        if (!result.ok) {
          say(t('检查失败：', 'Check failed: ') + fmt(result.data.description || result.data.detail), 'pm-error');
          return;
        }
        say('');
        render(result.data);
      }).catch(function () {
        if (seq !== state.seq) { return; }
        say(t('无法连接服务：检查需要运行中的规划地图服务。', 'Cannot reach the service: checks need the running planmap service.'), 'pm-error');
      });
    }

    function row(table, cells, cls) {
      var tr = el('tr', null, cls);
      cells.forEach(function (c) { if (c && c.nodeType) { var td = el('td'); td.appendChild(c); tr.appendChild(td); } else { tr.appendChild(el('td', c)); } });
      table.appendChild(tr);
      return tr;
    }

    function render(data) {
      report.textContent = '';
      report.setAttribute('data-overall', String(data.overall));
      var head = el('div', null, 'pm-overall pm-status-' + String(data.overall));
      head.appendChild(el('strong', word('label.overall') + t('：', ': ') + statusText(data.overall, 'overall')));
      head.appendChild(el('span', ' · ' + word('label.ruleset') + ' ' + fmt(data.ruleset)));
      report.appendChild(head);

      var criteria = el('table', null, 'pm-criteria');
      var hr = el('tr');
      [word('label.criterion'), word('label.result'), word('label.value'), word('label.requirement')].forEach(function (h) { hr.appendChild(el('th', h)); });
      criteria.appendChild(hr);
      (data.criteria || []).forEach(function (c) {
        var title = pm.cfg.lang === 'en' ? (c.title_en || c.title_zh || c.id) : (c.title_zh || c.title_en || c.id);
        var tr = row(criteria, [title, statusText(c.status),
          fmt(c.value) + (c.unit && c.value !== null && c.value !== undefined ? ' ' + c.unit : ''),
          (c.operator ? c.operator + ' ' : '') + fmt(c.threshold) + (c.unit && c.threshold !== null && c.threshold !== undefined ? ' ' + c.unit : '')],
          'pm-criterion pm-status-' + String(c.status));
        tr.setAttribute('data-criterion', String(c.id));
        var detail = [];
        var colon = t('：', ': ');
        if (c.method) { detail.push(word('label.method') + colon + fmt(c.method)); }
        if (c.source) { detail.push(word('label.source') + colon + fmt(c.source)); }
        if (c.missing_attribute) { detail.push(word('label.missing_attribute') + colon + fmt(c.missing_attribute)); }
        if (detail.length) {
          var d = el('tr', null, 'pm-criterion-detail');
          var td = el('td', detail.join('；'));
          td.colSpan = 4;
          d.appendChild(td);
          criteria.appendChild(d);
        }
      });
      report.appendChild(criteria);

      var m = data.measurements || {};
      var mt = el('table', null, 'pm-measurements');
      Object.keys(m).forEach(function (k) {
        if (m[k] === null || m[k] === undefined) { return; }
        var words = measureWords(k);
        row(mt, [words[0], fmt(m[k]) + (words[1] ? ' ' + words[1] : '')]).setAttribute('data-measure', k);
      });
      if (mt.childNodes.length) {
        report.appendChild(el('h4', word('label.measurements')));
        report.appendChild(mt);
      }

      var ctx = data.context || {};
      var stations = ctx.nearest_stations || [];
      if (stations.length) {
        report.appendChild(el('h4', t('最近的轨道站点', 'Nearest stations')));
        var st = el('table', null, 'pm-stations');
        stations.forEach(function (s) {
          row(st, [fmt(s.name), fmt(s.mode), fmt(s.distance_m) + ' m', fmt(s.method)]);
        });
        report.appendChild(st);
      }
      var info = el('ul', null, 'pm-context');
      Object.keys(ctx).forEach(function (k) {
        if (k === 'nearest_stations') { return; }
        var v = ctx[k];
        if (v === null || v === undefined || (Array.isArray(v) && !v.length)) { return; }
        if (Array.isArray(v)) { v = v.map(function (x) { return (x && typeof x === 'object') ? (x.name || x.id || JSON.stringify(x)) : x; }); }
        else if (typeof v === 'object') { v = v.name || v.id || JSON.stringify(v); }
        info.appendChild(el('li', k + '：' + fmt(v)));
      });
      if (info.childNodes.length) {
        report.appendChild(el('h4', t('规划背景', 'Plan context')));
        report.appendChild(info);
      }
      (data.warnings || []).forEach(function (w) { report.appendChild(el('p', '⚠ ' + fmt(w), 'pm-warning')); });

      // the map: the site styled by the overall result, stations and walking routes
      state.overlay.clearLayers();
      var look = OVERALL_STYLE[data.overall] || OVERALL_STYLE.incomplete;
      if (state.shape && state.shape.setStyle) { state.shape.setStyle({color: look.color, fillColor: look.fillColor, fillOpacity: 0.35, weight: 4}); }
      if (data.site && !(state.shape && state.shape.setStyle)) {
        L.geoJSON(pm.mapGeoJSON(data.site, pm.toDisplay), {
          pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 9}); },
          style: function () { return {color: look.color, fillColor: look.fillColor, fillOpacity: 0.5, weight: 4}; }
        }).addTo(state.overlay);
      }
      stations.forEach(function (s) {
        if (s.route) {
          L.geoJSON(pm.mapGeoJSON(s.route, pm.toDisplay), {style: function () {
            return {color: '#6a1b9a', weight: 3, opacity: 0.85, dashArray: '6 4'};
          }, interactive: false}).addTo(state.overlay);
        }
        var end = s.route && s.route.type === 'LineString' && s.route.coordinates.length ?
          s.route.coordinates[s.route.coordinates.length - 1] : null;
        if (s.geometry || end) {
          var g = s.geometry || {type: 'Point', coordinates: end};
          L.geoJSON(pm.mapGeoJSON(g, pm.toDisplay), {pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, {radius: 7, color: '#6a1b9a', fillColor: '#fff', fillOpacity: 1, weight: 3})
              .bindTooltip(function () { return el('span', fmt(s.name) + ' · ' + fmt(s.distance_m) + ' m'); });
          }}).addTo(state.overlay);
        }
      });
      report.hidden = false;
    }

    map.on(L.Draw.Event.CREATED, function (e) { setShape(e.layer); });
    map.on(L.Draw.Event.EDITED, function () { run(); iso.siteChanged(shapeGeometryWgs84(), false); });
    map.on(L.Draw.Event.DELETED, function () {
      state.shape = null; state.overlay.clearLayers(); report.textContent = ''; report.hidden = true;
      iso.siteChanged(null, false);
    });
    function showRulesetAttributes() {
      var chosen = form.querySelector('[name=ruleset]').value;
      var boxes = form.querySelectorAll('[data-rulesets]');
      for (var i = 0; i < boxes.length; i++) {
        var owners = boxes[i].getAttribute('data-rulesets');
        boxes[i].hidden = owners !== '' && owners.split(' ').indexOf(chosen) < 0;
      }
    }
    showRulesetAttributes();
    form.addEventListener('change', function () { showRulesetAttributes(); if (state.shape) { run(); } });
    form.addEventListener('submit', function (e) { e.preventDefault(); run(); });

    var download = document.getElementById(cfg.downloadId);
    download.addEventListener('click', function () {
      var geometry = shapeGeometryWgs84();
      if (!geometry) { say(t('没有可下载的图形。', 'Nothing drawn to download.'), 'pm-error'); return; }
      var doc = {type: 'FeatureCollection', features: [{type: 'Feature', properties: {ruleset: form.querySelector('[name=ruleset]').value}, geometry: geometry}]};
      var blob = new Blob([JSON.stringify(doc, null, 1)], {type: 'application/geo+json'});
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = 'site.geojson';
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });

    pm.loadGeoJSON = function (doc) {
      var geometry = doc && doc.type === 'FeatureCollection' ? (doc.features[0] || {}).geometry
        : doc && doc.type === 'Feature' ? doc.geometry : doc;
      if (!geometry || !geometry.type || !geometry.coordinates) {
        throw new Error(t('文件中没有 GeoJSON 几何图形', 'no GeoJSON geometry in the file'));
      }
      var shown = L.geoJSON(pm.mapGeometry(geometry, pm.toDisplay), {
        pointToLayer: function (f, latlng) { return L.marker(latlng, {icon: pm.pointIcon}); }
      });
      var layer = shown.getLayers()[0];
      setShape(layer);
      pm.focus(map, L.featureGroup([layer]), 60);
    };
    var upload = document.getElementById(cfg.uploadId);
    upload.addEventListener('change', function () {
      var file = upload.files && upload.files[0];
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () {
        try { pm.loadGeoJSON(JSON.parse(String(reader.result))); }
        catch (err) { say(t('无法读取文件：', 'Cannot read the file: ') + err.message, 'pm-error'); }
        upload.value = '';
      };
      reader.readAsText(file);
    });
  };
}());
