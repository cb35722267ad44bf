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

  /* The drawing toolbar speaks the page's language (set before the page builds its toolbar). */
  var DRAW_ZH = {
    draw: {
      toolbar: {
        actions: {title: '取消绘制', text: '取消'}, finish: {title: '完成绘制', text: '完成'},
        undo: {title: '删除最后一个点', text: '删除最后一点'},
        buttons: {polyline: '画街道中心线', polygon: '画场地范围（多边形）', rectangle: '画矩形场地',
                  circle: '画圆', marker: '放一个点', circlemarker: '放一个圆点'}
      },
      handlers: {
        circle: {tooltip: {start: '按住并拖动以画圆'}, radius: '半径'},
        circlemarker: {tooltip: {start: '单击地图放置圆点'}},
        marker: {tooltip: {start: '单击地图放置点'}},
        polygon: {tooltip: {start: '单击开始画场地范围', cont: '单击继续画', end: '单击第一个点闭合'}},
        polyline: {error: '<strong>错误：</strong>边线不能交叉！',
                   tooltip: {start: '单击开始画线', cont: '单击继续画线', end: '单击最后一个点结束'}},
        rectangle: {tooltip: {start: '按住并拖动以画矩形'}},
        simpleshape: {tooltip: {end: '松开鼠标完成'}}
      }
    },
    edit: {
      toolbar: {
        actions: {save: {title: '保存修改', text: '保存'}, cancel: {title: '放弃修改', text: '取消'},
                  clearAll: {title: '清除所有图形', text: '全部清除'}},
        buttons: {edit: '修改图形', editDisabled: '没有可修改的图形', remove: '删除图形', removeDisabled: '没有可删除的图形'}
      },
      handlers: {
        edit: {tooltip: {text: '拖动节点或点以修改', subtext: '点“取消”放弃修改'}},
        remove: {tooltip: {text: '单击图形将其删除'}}
      }
    }
  };
  function deepAssign(target, source) {
    Object.keys(source).forEach(function (k) {
      if (source[k] && typeof source[k] === 'object' && target[k] && typeof target[k] === 'object') { deepAssign(target[k], source[k]); }
      else { target[k] = source[k]; }
    });
  }
  if (L.drawLocal && document.documentElement.lang !== 'en') { deepAssign(L.drawLocal, DRAW_ZH); }

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

  /* 18000 → "18,000"; 12.345 → "12.35" (a planner's numbers: grouped thousands, at most two decimals) */
  function groupDigits(value, decimals) {
    var fixed = Math.abs(value).toFixed(decimals);
    if (fixed.indexOf('.') >= 0) { fixed = fixed.replace(/0+$/, '').replace(/\.$/, ''); }
    var parts = fixed.split('.');
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var text = parts.join('.');
    return (value < 0 && text !== '0' ? '-' : '') + text;
  }
  pm.number = function (value, decimals) {
    if (typeof value !== 'number' || !isFinite(value)) { return fmt(value); }
    return groupDigits(value, decimals === undefined ? (Math.abs(value) >= 100 ? 0 : 2) : decimals);
  };
  /* Money in 元 as a planner writes it: 1.2 亿元, 300 万元, 8,500 元. */
  pm.money = function (yuan) {
    if (typeof yuan !== 'number' || !isFinite(yuan)) { return fmt(yuan); }
    if (Math.abs(yuan) >= 1e8) { return groupDigits(yuan / 1e8, 2) + ' ' + word('unit.yi_yuan'); }
    if (Math.abs(yuan) >= 1e4) { return groupDigits(yuan / 1e4, 2) + ' ' + word('unit.wan_yuan'); }
    return groupDigits(yuan, 0) + ' ' + word('unit.yuan');
  };
  /* A share 0–1 as a percentage: 0.85 → "85 %". */
  pm.percent = function (share) {
    if (typeof share !== 'number' || !isFinite(share)) { return fmt(share); }
    return groupDigits(share * 100, 1) + ' %';
  };
  /* A value of a field whose kind the server gave (year, money, percent, area, number). */
  pm.fieldValue = function (kind, value) {
    if (typeof value === 'number' && isFinite(value)) {
      if (kind === 'year') { return String(Math.round(value)); }
      if (kind === 'money') { return pm.money(value); }
      if (kind === 'percent') { return pm.percent(value); }
      if (kind === 'code') { return String(value); }
      return pm.number(value);
    }
    return fmt(value);
  };

  function fmt(value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    if (value === true) { return t('是', 'yes'); }
    if (value === false) { return t('否', 'no'); }
    if (typeof value === 'number') {
      if (!isFinite(value)) { return '∞'; }
      return groupDigits(value, Math.abs(value) >= 100 ? 0 : 2);
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

  var HAS_CJK = /[\u3400-\u9fff]/;
  /* An English working note (no Chinese, several words) is not shown on a Chinese page. */
  function englishNote(value) {
    return pm.cfg.lang !== 'en' && typeof value === 'string' && !HAS_CJK.test(value) && /[A-Za-z]+[\s:]+[A-Za-z]+/.test(value);
  }
  /* A feature drawn as an area of uncertainty: its position is a placeholder or known only to ±uncertain_m. */
  function uncertain(cfg, props) {
    if (props.placeholder === true) { return true; }
    var acc = props.accuracy_m;
    return typeof acc === 'number' && cfg.uncertain_m && acc >= cfg.uncertain_m;
  }
  pm.uncertain = uncertain;
  function emphasised(cfg, props) { return !!(cfg.emphasis && props[cfg.emphasis.field] === true); }

  pm.popupContent = function (cfg, props) {
    var box = el('div', null, 'pm-popup');
    box.appendChild(el('div', labelOf(cfg, props), 'pm-popup-title'));
    var sub = el('div', cfg.title, 'pm-popup-layer');
    if (cfg.schematic || props.schematic === true) {
      sub.appendChild(el('span', word('ui.schematic'), 'pm-badge pm-badge-schematic'));
    }
    if (emphasised(cfg, props)) { sub.appendChild(el('span', cfg.emphasis.title, 'pm-badge pm-badge-emphasis')); }
    box.appendChild(sub);
    if (uncertain(cfg, props)) {
      box.appendChild(el('div', word('ui.uncertain_note').replace('{m}', pm.number(props.accuracy_m || 0)), 'pm-warning'));
    }
    var table = el('table', null, 'pm-attrs');
    cfg.fields.forEach(function (triple) {
      var value = props[triple[0]];
      if (value === null || value === undefined || value === '' || englishNote(value)) { return; }
      if (value === 'none' || (Array.isArray(value) && !value.length)) { return; }
      var shown = valueLabel(cfg, triple[0], value);
      if (typeof shown === 'string' && hasWord('basis', shown)) { shown = word('basis.' + shown); }
      var row = el('tr');
      row.appendChild(el('th', triple[1]));
      row.appendChild(el('td', pm.fieldValue(triple[2], shown)));
      table.appendChild(row);
    });
    if (table.childNodes.length) { box.appendChild(table); }
    var prov = el('div', null, 'pm-prov');
    if (props.source) { prov.appendChild(el('div', word('ui.source') + fmt(props.source))); }
    if (props.method && !englishNote(props.method)) { prov.appendChild(el('div', word('ui.method') + fmt(props.method))); }
    if (typeof props.accuracy_m === 'number') {
      prov.appendChild(el('div', word('ui.accuracy') + pm.number(props.accuracy_m) + ' m'));
    }
    box.appendChild(prov);
    if (cfg.link && pm.cfg.links && props.id !== undefined) {
      var a = el('a', cfg.link_label, 'pm-popup-link');
      a.href = cfg.link + encodeURIComponent(String(props.id)) + (pm.cfg.linkQuery || '');
      a.target = '_top';
      box.appendChild(a);
    }
    if (cfg.check_link && pm.cfg.links && props.id !== undefined) {
      var c = el('a', word('ui.open_in_check'), 'pm-popup-link');
      c.href = cfg.check_link + encodeURIComponent(String(props.id)) + (pm.cfg.linkQuery ? '&' + pm.cfg.linkQuery.slice(1) : '');
      c.target = '_top';
      box.appendChild(c);
    }
    return box;
  };

  /* An L.GeoJSON for one catalogue layer; cfg comes from maps/builders.py (layer_config). */
  pm.layers = pm.layers || {};
  pm.geojson = function (data, cfg) {
    var common = cfg.common || {};
    var layer;
    function propsOf(feature) { return Object.assign({}, common, feature.properties || {}); }
    function styleOf(props) {
      var st = pm.pathStyle(cfg, props);
      var k = layer && layer.planmapOpacity !== undefined ? layer.planmapOpacity : 1;
      if (emphasised(cfg, props)) { st.weight = (st.weight || 1) + 2.5; st.opacity = 1; st.dashArray = null; }
      if (uncertain(cfg, props)) {
        st.fillOpacity = Math.min(st.fillOpacity, 0.12); st.opacity = 0.55; st.dashArray = '2 5';
        st.weight = Math.max(1, (st.weight || 1) - 0.5);
      }
      st.opacity = st.opacity * k; st.fillOpacity = st.fillOpacity * k;
      return st;
    }
    var options = {
      interactive: cfg.interactive !== false,
      style: function (feature) { return styleOf(propsOf(feature)); },
      pointToLayer: function (feature, latlng) {
        var props = propsOf(feature);
        var st = styleOf(props);
        st.radius = cfg.style.radius;
        if (uncertain(cfg, props)) {
          // not a crisp dot: a faded, dashed disc; hovering or opening it shows the whole area it may lie in
          st.radius = Math.max(cfg.style.radius * 1.8, 11); st.fillOpacity = 0.22 * (st.opacity / 0.55);
          st.dashArray = '3 3'; st.weight = 1.5;
        }
        st.interactive = cfg.interactive !== false;
        if (cfg.pane) { st.pane = cfg.pane; }
        var marker = L.circleMarker(latlng, st);
        if (uncertain(cfg, props) && typeof props.accuracy_m === 'number' && cfg.interactive !== false) {
          var area = null;
          var showArea = function () {
            if (area || !marker._map) { return; }
            area = L.circle(latlng, {radius: Math.min(props.accuracy_m, 5000), color: st.color, weight: 1,
              dashArray: '4 4', fillColor: st.fillColor, fillOpacity: 0.08, interactive: false}).addTo(marker._map);
          };
          var hideArea = function () { if (area && !marker.isPopupOpen()) { area.remove(); area = null; } };
          marker.on('mouseover popupopen', showArea);
          marker.on('mouseout', hideArea);
          marker.on('popupclose', function () { if (area) { area.remove(); area = null; } });
        }
        return marker;
      },
      onEachFeature: function (feature, sub) {
        if (cfg.interactive === false) { return; }
        var props = propsOf(feature);
        sub.bindTooltip(function () { return el('span', labelOf(cfg, props)); },
          {sticky: cfg.kind !== 'point', direction: 'top'});
        sub.bindPopup(function () { return pm.popupContent(cfg, props); }, {maxWidth: 340});
      }
    };
    if (cfg.pane) { options.pane = cfg.pane; }
    layer = L.geoJSON(data, options);
    layer.planmapId = cfg.id;
    layer.planmapCfg = cfg;
    layer.planmapRestyle = function () { layer.setStyle(function (f) { return styleOf(propsOf(f)); }); };
    if (cfg.pane !== 'pmBase') {
      pm.layers[cfg.id] = layer;
      if (cfg.labels && cfg.label) { pm.labelLayers.push({layer: layer, cfg: cfg}); }
    }
    bindCredits(layer, cfg.credits);
    return layer;
  };

  // ------------------------------------------------------------------ permanent labels
  /* Labels of plan elements, circles, carriers and stations: placed most important first, each only where it
     overlaps no label already placed (so they declutter as the map zooms out); a layer's labels start at the
     zoom its config gives. Placed again after every move, in a pane that pans with the map. */
  pm.labelLayers = [];
  var measureCtx = null;
  function textWidth(text, font) {
    if (!measureCtx) { measureCtx = document.createElement('canvas').getContext('2d'); }
    measureCtx.font = font;
    return measureCtx.measureText(text).width;
  }
  var LABEL_FONT = {'pm-label-plan': [14, 'bold'], 'pm-label-area': [13, 'bold'], 'pm-label-sub': [12, 'normal'],
                    'pm-label-station': [11, 'normal'], 'pm-label-project': [11, 'normal']};
  pm.placeLabels = function () {
    var map = pm.map, pane = map && map.getPane('pmLabels');
    if (!pane) { return; }
    pane.textContent = '';
    var zoom = map.getZoom(), size = map.getSize(), placed = [], seen = {}, items = [];
    pm.labelLayers.forEach(function (entry) {
      if (!map.hasLayer(entry.layer) || zoom < entry.cfg.label.min_zoom) { return; }
      entry.cfg.labels.forEach(function (l) {
        items.push({l: l, cfg: entry.cfg, rank: entry.cfg.label.rank - (l[3] ? 0.5 : 0)});
      });
    });
    items.sort(function (a, b) { return a.rank - b.rank || b.l[4] - a.l[4]; });
    var family = getComputedStyle(map.getContainer()).fontFamily;
    items.forEach(function (it) {
      var l = it.l, text = String(l[2]);
      if (seen[text]) { return; }
      var cls = it.cfg.label.cls, f = LABEL_FONT[cls] || [12, 'normal'];
      var strong = !!l[3];
      var w = Math.ceil(textWidth(text, (strong ? 'bold' : f[1]) + ' ' + f[0] + 'px ' + family)) + 8;
      var h = Math.ceil(f[0] * 1.35) + 2;
      var p = map.latLngToContainerPoint([l[1], l[0]]);
      var point = it.cfg.kind === 'point', r = (it.cfg.style.radius || 5) + 3;
      var spots = point ? [[r, -h / 2], [-w - r, -h / 2], [-w / 2, -h - r], [-w / 2, r]] : [[-w / 2, -h / 2]];
      for (var i = 0; i < spots.length; i++) {
        var box = {x: p.x + spots[i][0], y: p.y + spots[i][1], w: w, h: h};
        if (box.x < 2 || box.y < 2 || box.x + w > size.x - 2 || box.y + h > size.y - 2) { continue; }
        var clash = placed.some(function (o) {
          return box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h;
        });
        if (clash) { continue; }
        placed.push(box);
        seen[text] = true;
        var node = el('div', text, 'pm-label ' + cls + (strong ? ' pm-label-strong' : ''));
        var at = map.containerPointToLayerPoint([box.x, box.y]);
        node.style.left = at.x + 'px'; node.style.top = at.y + 'px';
        node.style.width = w + 'px'; node.style.fontSize = f[0] + 'px';
        pane.appendChild(node);
        return;
      }
    });
    pm.labelCount = placed.length;
  };
  function setupLabels(map) {
    if (!map.getPane('pmLabels')) {
      map.createPane('pmLabels');
      var pane = map.getPane('pmLabels');
      pane.style.zIndex = 620;
      pane.style.pointerEvents = 'none';
    }
    var pending = false;
    function later() { if (!pending) { pending = true; setTimeout(function () { pending = false; pm.placeLabels(); }, 0); } }
    map.on('zoomstart', function () { map.getPane('pmLabels').style.display = 'none'; });
    map.on('moveend zoomend layeradd layerremove resize', function () {
      map.getPane('pmLabels').style.display = '';
      later();
    });
    map.whenReady(later);
  }

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
    L.control.scale({metric: true, imperial: false, position: 'bottomleft', maxWidth: 140}).addTo(map);
    setupLabels(map);
    watchTiles(map);
    panelToggle(map);
    if (pm.cfg.search && pm.cfg.search.length) { searchControl(map, pm.cfg.search); }
    measureControl(map);
    if (pm.cfg.exports) { exportControl(map); }
  };

  // ------------------------------------------------------------------ online tiles that fail
  /* An online basemap that cannot be reached (no internet on the intranet) says so instead of staying grey. */
  function watchTiles(map) {
    var failed = 0, loaded = 0, shown = false;
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.TileLayer)) { return; }
      layer.on('tileload', function () { loaded += 1; });
      layer.on('tileerror', function () {
        failed += 1;
        if (shown || failed < 3 || loaded > 0) { return; }
        shown = true;
        var box = el('div', null, 'pm-tile-notice leaflet-bar');
        box.setAttribute('role', 'alert');
        box.appendChild(el('span', word('ui.tiles_failed') + ' '));
        if (pm.cfg.offlineHref) {
          var a = el('a', word('ui.tiles_offline'));
          a.href = pm.cfg.offlineHref;
          box.appendChild(a);
        }
        var Notice = L.Control.extend({options: {position: 'topright'}, onAdd: function () { return box; }});
        new Notice().addTo(map);
      });
    });
  }

  // ------------------------------------------------------------------ side panel that folds away
  function panelToggle(map) {
    var panel = document.querySelector('.pm-panel'), header = document.querySelector('.pm-header');
    if (!panel || !header) { return; }
    var button = el('button', '', 'pm-panel-toggle');
    button.type = 'button';
    button.setAttribute('aria-controls', 'pm-panel');
    panel.id = panel.id || 'pm-panel';
    function set(hidden) {
      document.body.classList.toggle('pm-panel-hidden', hidden);
      button.textContent = hidden ? word('ui.panel_show') : word('ui.panel_hide');
      button.setAttribute('aria-expanded', hidden ? 'false' : 'true');
      setTimeout(function () { map.invalidateSize(); }, 0);
    }
    button.addEventListener('click', function () { set(!document.body.classList.contains('pm-panel-hidden')); });
    header.appendChild(button);
    set(window.matchMedia('(max-width: 1100px)').matches);
    pm.panel = {set: set};
  }

  // ------------------------------------------------------------------ search
  /* One box over the page's named features, places and streets: Chinese, English, pinyin initials ("dgj")
     or full pinyin ("dongguan"). Picking a result zooms to it, switches its layer on and opens its popup. */
  function searchControl(map, index) {
    var box = el('div', null, 'pm-search leaflet-bar');
    var input = el('input');
    input.type = 'search';
    input.placeholder = word('ui.search_placeholder');
    input.setAttribute('aria-label', word('ui.search'));
    input.id = 'pm-search-input';
    var list = el('ul', null, 'pm-search-results');
    list.id = 'pm-search-results';
    box.appendChild(input);
    box.appendChild(list);
    var marker = null;
    function matches(query) {
      var q = query.trim().toLowerCase().replace(/\s+/g, '');
      if (!q) { return []; }
      var out = [];
      index.forEach(function (e) {
        var name = String(e[0]), en = String(e[1] || '').toLowerCase(), ini = e[2] || '', full = e[3] || '';
        var score = name === query.trim() ? 0 : name.indexOf(query.trim()) === 0 ? 1 : name.indexOf(query.trim()) >= 0 ? 2
          : ini.indexOf(q) === 0 ? 3 : full.indexOf(q) === 0 ? 3 : en.replace(/\s+/g, '').indexOf(q) >= 0 ? 4
          : ini.indexOf(q) > 0 || full.indexOf(q) > 0 ? 5 : -1;
        if (score >= 0) { out.push({e: e, score: score}); }
      });
      out.sort(function (a, b) { return a.score - b.score || String(a.e[0]).length - String(b.e[0]).length; });
      return out.slice(0, 10).map(function (x) { return x.e; });
    }
    function go(e) {
      var b = e[6];
      var bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
      var layer = pm.layers[e[4]];
      if (layer && !map.hasLayer(layer)) { layer.addTo(map); }
      if (marker) { marker.remove(); }
      marker = L.rectangle(bounds.pad(0.15), {color: '#0b7285', weight: 3, dashArray: '6 4', fill: false,
        interactive: false}).addTo(map);
      map.fitBounds(bounds, {padding: [60, 60], maxZoom: 17});
      setTimeout(function () { if (marker) { marker.remove(); marker = null; } }, 6000);
      if (layer) {
        layer.eachLayer(function (sub) {
          var props = Object.assign({}, (layer.planmapCfg || {}).common || {}, (sub.feature || {}).properties || {});
          if (String(props.name) === String(e[0])) { setTimeout(function () { sub.openPopup(); }, 350); }
        });
      }
      list.textContent = '';
      input.blur();
    }
    function show() {
      list.textContent = '';
      var found = matches(input.value);
      if (!found.length && input.value.trim()) { list.appendChild(el('li', word('ui.search_none'), 'pm-search-none')); }
      found.forEach(function (e) {
        var li = el('li', null, 'pm-search-result');
        li.tabIndex = 0;
        li.appendChild(el('span', e[0], 'pm-search-name'));
        li.appendChild(el('span', e[5], 'pm-search-layer'));
        li.setAttribute('data-layer', e[4]);
        li.addEventListener('click', function () { go(e); });
        li.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { go(e); } });
        list.appendChild(li);
      });
    }
    input.addEventListener('input', show);
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter') { var found = matches(input.value); if (found.length) { go(found[0]); } ev.preventDefault(); }
      if (ev.key === 'Escape') { input.value = ''; list.textContent = ''; }
    });
    var Control = L.Control.extend({options: {position: 'topleft'}, onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }});
    new Control().addTo(map);
    pm.search = {matches: matches, go: go};
  }

  // ------------------------------------------------------------------ measuring
  /* Geodesic area of a ring of LatLngs (m², on the sphere, as Leaflet.draw computes it). */
  pm.geodesicArea = function (latlngs) {
    var area = 0, R = 6378137, d2r = Math.PI / 180, n = latlngs.length;
    if (n < 3) { return 0; }
    for (var i = 0; i < n; i++) {
      var p1 = latlngs[i], p2 = latlngs[(i + 1) % n];
      area += ((p2.lng - p1.lng) * d2r) * (2 + Math.sin(p1.lat * d2r) + Math.sin(p2.lat * d2r));
    }
    return Math.abs(area * R * R / 2);
  };
  pm.lengthText = function (m) { return m >= 1000 ? pm.number(m / 1000, 2) + ' km' : pm.number(m, 0) + ' m'; };
  pm.areaText = function (m2) {
    if (m2 >= 1e6) { return pm.number(m2 / 1e6, 2) + ' km²'; }
    if (m2 >= 1e4) { return pm.number(m2 / 1e4, 2) + ' ' + word('unit.ha') + '（' + pm.number(m2, 0) + ' m²）'; }
    return pm.number(m2, 0) + ' m²';
  };
  function measureControl(map) {
    var box = el('div', null, 'pm-measure leaflet-bar');
    var bDist = el('a', word('ui.measure_distance'), 'pm-measure-distance');
    var bArea = el('a', word('ui.measure_area'), 'pm-measure-area');
    var bClear = el('a', word('ui.measure_clear'), 'pm-measure-clear');
    [bDist, bArea, bClear].forEach(function (b) { b.href = '#'; b.setAttribute('role', 'button'); box.appendChild(b); });
    var group = L.featureGroup().addTo(map), mode = null, points = [], shape = null, tip = null;
    var hint = el('div', word('ui.measure_hint'), 'pm-measure-hint');
    hint.hidden = true;
    box.appendChild(hint);
    function text() {
      if (mode === 'area') { return word('ui.area') + ' ' + pm.areaText(pm.geodesicArea(points)); }
      var d = 0;
      for (var i = 1; i < points.length; i++) { d += map.distance(points[i - 1], points[i]); }
      return word('ui.distance') + ' ' + pm.lengthText(d);
    }
    function redraw() {
      if (shape) { group.removeLayer(shape); }
      var style = {color: '#0b7285', weight: 3, dashArray: '6 4', fillOpacity: 0.12, interactive: false};
      shape = (mode === 'area' && points.length > 2 ? L.polygon(points, style) : L.polyline(points, style)).addTo(group);
      if (tip) { group.removeLayer(tip); }
      if (points.length > 1) {
        tip = L.tooltip({permanent: true, direction: 'right', className: 'pm-measure-result'})
          .setLatLng(points[points.length - 1]).setContent(text());
        group.addLayer(tip);
      }
      pm.measureText = points.length > 1 ? text() : '';
    }
    function stop() {
      mode = null;
      map.getContainer().classList.remove('pm-measuring');
      map.doubleClickZoom.enable();
      bDist.classList.remove('pm-active'); bArea.classList.remove('pm-active');
      hint.hidden = true;
    }
    function start(kind, button) {
      group.clearLayers(); shape = null; tip = null; points = []; pm.measureText = '';
      if (mode === kind) { stop(); return; }
      stop();
      mode = kind;
      button.classList.add('pm-active');
      map.getContainer().classList.add('pm-measuring');
      map.doubleClickZoom.disable();
      hint.hidden = false;
    }
    map.on('click', function (e) {
      if (!mode) { return; }
      points.push(e.latlng);
      group.addLayer(L.circleMarker(e.latlng, {radius: 3, color: '#0b7285', fillOpacity: 1, interactive: false}));
      redraw();
    });
    map.on('dblclick', function () { if (mode) { stop(); } });
    L.DomEvent.on(bDist, 'click', function (e) { L.DomEvent.preventDefault(e); start('distance', bDist); });
    L.DomEvent.on(bArea, 'click', function (e) { L.DomEvent.preventDefault(e); start('area', bArea); });
    L.DomEvent.on(bClear, 'click', function (e) {
      L.DomEvent.preventDefault(e); stop(); group.clearLayers(); points = []; shape = null; tip = null; pm.measureText = '';
    });
    var Control = L.Control.extend({options: {position: 'topleft'}, onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      return box;
    }});
    new Control().addTo(map);
    pm.measure = {start: function (kind) { start(kind, kind === 'area' ? bArea : bDist); }, stop: stop};
  }

  // ------------------------------------------------------------------ export the current view
  /* Sheets (PNG, PDF, SVG) of the view and layers on the map, and the data of one layer in the view (DXF,
     GeoPackage): links that follow the map. */
  function exportControl(map) {
    var box = el('div', null, 'pm-export leaflet-bar');
    var details = el('details');
    details.appendChild(el('summary', word('ui.export')));
    var body = el('div', null, 'pm-export-body');
    details.appendChild(body);
    box.appendChild(details);
    body.appendChild(el('div', word('ui.export_sheet'), 'pm-export-head'));
    var sheetLinks = {};
    ['pdf', 'png', 'svg'].forEach(function (fmtName) {
      var a = el('a', fmtName.toUpperCase(), 'pm-export-sheet');
      a.setAttribute('data-format', fmtName);
      a.target = '_blank';
      a.rel = 'noopener';
      sheetLinks[fmtName] = a;
      body.appendChild(a);
    });
    body.appendChild(el('div', word('ui.export_data'), 'pm-export-head'));
    var select = el('select', null, 'pm-export-layer');
    select.setAttribute('aria-label', word('ui.export_layer'));
    body.appendChild(select);
    var dataLinks = {};
    [['dxf', 'DXF'], ['gpkg', 'GeoPackage']].forEach(function (pair) {
      var a = el('a', pair[1], 'pm-export-data');
      a.setAttribute('data-format', pair[0]);
      dataLinks[pair[0]] = a;
      body.appendChild(a);
    });
    function viewBox() {
      var b = map.getBounds(), sw = pm.toWgs84(b.getWest(), b.getSouth()), ne = pm.toWgs84(b.getEast(), b.getNorth());
      return [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(5); }).join(',');
    }
    function onLayers() {
      return Object.keys(pm.layers).filter(function (id) { return map.hasLayer(pm.layers[id]); });
    }
    function update() {
      var bbox = viewBox(), ids = onLayers(), root = pm.cfg.rootUrl || '';
      var lang = pm.cfg.lang === 'en' ? '&lang=en' : '';
      Object.keys(sheetLinks).forEach(function (f) {
        sheetLinks[f].href = root + '/export/map.' + f + '?bbox=' + bbox + (ids.length ? '&layers=' + ids.map(encodeURIComponent).join(',') : '') + lang;
      });
      var chosen = select.value;
      select.textContent = '';
      ids.forEach(function (id) {
        var o = el('option', (pm.layers[id].planmapCfg || {}).title || id);
        o.value = id;
        select.appendChild(o);
      });
      if (ids.indexOf(chosen) >= 0) { select.value = chosen; }
      Object.keys(dataLinks).forEach(function (f) {
        dataLinks[f].href = select.value ? root + '/collections/' + encodeURIComponent(select.value) + '/items?f=' + f + '&bbox=' + bbox : '#';
      });
    }
    select.addEventListener('change', update);
    map.on('moveend layeradd layerremove', function () { setTimeout(update, 0); });
    var Control = L.Control.extend({options: {position: 'topright'}, onAdd: function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    }});
    new Control().addTo(map);
    map.whenReady(update);
    pm.exportLinks = update;
  }

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
    var details = node.querySelector('details');
    if (details && (window.innerWidth < 1100 || window.innerHeight < 700)) { details.open = false; }
    var toggle = node.querySelector('.pm-opacity-toggle');
    if (toggle) {
      toggle.addEventListener('click', function () { node.classList.toggle('pm-show-opacity'); });
    }
    Array.prototype.forEach.call(node.querySelectorAll('[data-layer]'), function (entry) {
      var layer = layersById[entry.getAttribute('data-layer')];
      if (!layer || !layer.planmapRestyle) { return; }
      var slider = el('input', null, 'pm-opacity');
      slider.type = 'range'; slider.min = '10'; slider.max = '100'; slider.step = '10'; slider.value = '100';
      slider.setAttribute('aria-label', word('ui.opacity') + ' ' + (layer.planmapCfg || {}).title);
      slider.addEventListener('input', function () {
        layer.planmapOpacity = Number(slider.value) / 100;
        layer.planmapRestyle();
      });
      entry.appendChild(slider);
    });
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
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [padding || 40, padding || 40], maxZoom: 17, animate: false}); }
  };

  // ------------------------------------------------------------------ draw-and-check
  /* The site after a check: a near-black outline on a white halo (no layer looks like that); the fill says the
     result in colours unlike the plan's (no orange, which the business circles use). */
  var OVERALL_STYLE = {
    pass: {color: '#111111', fillColor: '#12b886'}, fail: {color: '#111111', fillColor: '#e8003d'},
    incomplete: {color: '#111111', fillColor: '#4c6ef5'}
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
    var rings = el('option', t('5/10/15 分钟', '5/10/15 min'));
    rings.value = 'rings';
    rings.selected = true;
    select.appendChild(rings);
    [5, 10, 15].forEach(function (m) {
      var option = el('option', m + t(' 分钟', ' min'));
      option.value = String(m);
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

    function fetchIso(minutes) {
      var url = cfg.isochroneEndpoint + '?lon=' + encodeURIComponent(origin[0].toFixed(7)) + '&lat=' +
        encodeURIComponent(origin[1].toFixed(7)) + '&minutes=' + encodeURIComponent(String(minutes));
      return fetch(url, {method: 'GET', headers: {Accept: 'application/geo+json, application/json'}}).then(function (response) {
        return response.json().then(function (data) { return {ok: response.ok, data: data, minutes: minutes}; },
          function () { return {ok: false, data: {description: 'HTTP ' + response.status}, minutes: minutes}; });
      });
    }
    /* 5, 10 and 15 minutes as nested rings (darker nearer the site), or one of them alone. */
    var RING_FILL = {5: 0.30, 10: 0.18, 15: 0.10};
    function draw() {
      if (!origin) { return; }
      var chosen = select.value === 'rings' ? [15, 10, 5] : [Number(select.value)];
      var mine = ++seq;
      note.textContent = t('正在计算步行范围…', 'Computing the walk area…');
      note.className = 'pm-iso-note';
      Promise.all(chosen.map(fetchIso)).then(function (results) {
        if (mine !== seq) { return; }
        var bad = results.filter(function (r) { return !r.ok || !r.data || !r.data.geometry; })[0];
        if (bad) {
          note.textContent = t('无法计算步行范围：', 'No walk area: ') + fmt((bad.data || {}).description);
          note.className = 'pm-iso-note pm-error';
          return;
        }
        layer.clearLayers();
        results.forEach(function (r) {
          var feature = {type: 'Feature', properties: {minutes: r.minutes}, geometry: r.data.geometry};
          layer.addData(pm.mapGeoJSON(feature, pm.toDisplay));
        });
        layer.setStyle(function (f) {
          var m = (f.properties || {}).minutes;
          return Object.assign({}, ISO_STYLE, {fillOpacity: chosen.length > 1 ? RING_FILL[m] || 0.12 : ISO_STYLE.fillOpacity,
            weight: m === 5 || chosen.length === 1 ? 2.5 : 1.5});
        });
        var props = results[0].data.properties || {};
        layer.minutes = props.minutes !== undefined ? props.minutes : chosen[0];
        layer.rings = chosen.slice().reverse();
        layer.properties = props;
        if (!map.hasLayer(layer)) { layer.addTo(map); }
        var label = chosen.length > 1 ? chosen.slice().reverse().join('/') : fmt(layer.minutes);
        legendEntry(label);
        note.textContent = '';
        note.appendChild(el('div', t(label + ' 分钟步行范围（从场地中心）', label + '-min walk from the site centre'), 'pm-iso-head'));
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

    /* One attribute's typed value, or {error: message}: numbers (18000, 1.8万, 1.2亿), whole numbers, a share
       typed as 85 or 85 % (sent as 0.85), HH:MM times (22：30 too), yes/no, the formats ticked. */
    pm.parseAttribute = function (type, raw, min) {
      if (type === 'number' || type === 'integer') {
        var text = raw.replace(/[,，\s]/g, ''), factor = 1;
        if (/亿$/.test(text)) { factor = 1e8; text = text.slice(0, -1); }
        else if (/万$/.test(text)) { factor = 1e4; text = text.slice(0, -1); }
        if (!/^-?\d+(\.\d+)?$/.test(text)) { return {error: word('form.err_number')}; }
        var n = Number(text) * factor;
        if (type === 'integer' && Math.round(n) !== n) { return {error: word('form.err_integer')}; }
        if (min !== null && min !== undefined && min !== '' && n < Number(min)) {
          return {error: word('form.err_min').replace('{min}', String(min))};
        }
        return {value: n};
      }
      if (type === 'fraction') {
        var m = /^(\d+(?:\.\d+)?)\s*[%％]?$/.exec(raw.replace(/\s/g, ''));
        if (!m) { return {error: word('form.err_fraction')}; }
        var pct = Number(m[1]);
        if (!(pct >= 0 && pct <= 100)) { return {error: word('form.err_fraction')}; }
        return {value: Math.round(pct * 100) / 10000};
      }
      if (type === 'time') {
        var tm = /^(\d{1,2})\s*[:：]\s*(\d{2})$/.exec(raw);
        if (!tm || Number(tm[1]) > 23 || Number(tm[2]) > 59) { return {error: word('form.err_time')}; }
        return {value: (tm[1].length === 1 ? '0' : '') + tm[1] + ':' + tm[2]};
      }
      if (type === 'boolean') { return {value: raw === 'true'}; }
      if (type === 'array') { return {value: raw.split(/[,，、;；\s]+/).filter(Boolean)}; }
      return {value: raw};
    };

    function fieldError(input, message) {
      var box = input.closest('.pm-attribute');
      var note = box && box.querySelector('.pm-field-error');
      input.setAttribute('aria-invalid', message ? 'true' : 'false');
      if (box) { box.classList.toggle('pm-invalid', !!message); }
      if (note) { note.textContent = message || ''; note.hidden = !message; }
    }

    /* The attributes as the API takes them; refused values are marked at their field (in the page language)
       and listed in errors. */
    function attributes() {
      var out = {}, errors = [];
      var inputs = form.querySelectorAll('[data-attribute]');
      for (var i = 0; i < inputs.length; i++) {
        var input = inputs[i], type = input.getAttribute('data-type'), name = input.getAttribute('data-attribute');
        if (input.closest('[hidden]')) { fieldError(input, null); continue; }
        if (type === 'multi') {
          var ticked = Array.prototype.filter.call(input.querySelectorAll('input[type=checkbox]'), function (c) { return c.checked; })
            .map(function (c) { return c.value; });
          if (ticked.length) { out[name] = ticked; }
          continue;
        }
        var raw = String(input.value || '').trim();
        if (raw === '') { fieldError(input, null); continue; }
        var parsed = pm.parseAttribute(type, raw, input.getAttribute('data-min'));
        fieldError(input, parsed.error || null);
        if (parsed.error) { errors.push(name); } else { out[name] = parsed.value; }
      }
      pm.formErrors = errors;
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
      if (pm.formErrors.length) { say(word('form.err_form'), 'pm-error'); return; }
      state.body = body;
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

    function countsOf(data) {
      var c = {pass: 0, fail: 0, needs: 0, manual: 0};
      (data.criteria || []).forEach(function (x) {
        if (x.status === 'pass') { c.pass += 1; } else if (x.status === 'fail') { c.fail += 1; }
        else if (x.status === 'needs-data') { c.needs += 1; } else if (x.status === 'manual') { c.manual += 1; }
      });
      c.judged = c.pass + c.fail;
      return c;
    }
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? String(values[k]) : all; });
    }
    /* The overall result in words that count: never the bare pass word while manual items wait. */
    pm.overallText = function (data) {
      var c = countsOf(data);
      if (data.overall === 'pass' && c.manual) { return fill(word('overall_text.pass_manual'), c); }
      return statusText(data.overall, 'overall');
    };
    pm.summaryText = function (data) {
      var c = countsOf(data);
      if (data.overall === 'pass' && c.manual) { return fill(word('overall_text.all_pass_manual'), c); }
      return fill(word('overall_text.summary'), c);
    };
    /* A value or threshold as a planner writes it, by unit: 1 亿元, 85 %, 22:30, 300 m. */
    function valueText(value, unit) {
      if (value === null || value === undefined) { return '—'; }
      if (typeof value === 'object' && !Array.isArray(value)) {
        return Object.keys(value).map(function (k) {
          var name = hasWord('target', k) ? word('target.' + k) : k;
          return name + ' ' + valueText(value[k], unit);
        }).join('；');
      }
      if (Array.isArray(value)) { return value.map(function (v) { return valueText(v, null); }).join('、'); }
      if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(cfg.choiceLabels || {}, value)) {
        return cfg.choiceLabels[value];
      }
      var titles = cfg.layerTitles || {};
      if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(titles, value)) { return titles[value]; }
      if (typeof value === 'string') {
        // "东关街（night-economy）": the layer named by its title
        value = value.replace(/（([a-z0-9-]+)）$/, function (all, id) { return titles[id] ? '（' + titles[id] + '）' : all; });
      }
      if (typeof value === 'number') {
        if (unit === '元') { return pm.money(value); }
        if (unit && /share|0–1/.test(unit)) { return pm.percent(value); }
        return pm.number(value) + (unit ? ' ' + unit : '');
      }
      if (value === true || value === false) { return fmt(value); }
      return String(value);
    }
    pm.valueText = valueText;
    function operatorText(op) { return hasWord('operator', op) ? word('operator.' + op) : (op || ''); }
    function basisNote(c) {
      if (!c.basis || c.basis === 'measured' || c.basis === 'review' || c.basis === 'supplied') { return null; }
      var names = (c.details || []).filter(function (d) { return d.basis === 'assumed' || d.basis === 'stand-in'; })
        .map(function (d) { return d.name; }).filter(Boolean);
      var key = c.basis === 'assumed' ? 'basis_note.assumed' : c.basis === 'stand-in' ? 'basis_note.stand-in' : null;
      var text = key ? fill(word(key), {names: names.join('、') || '—'}) : word('basis.' + c.basis);
      return text;
    }
    pm.basisNote = basisNote;

    function render(data) {
      report.textContent = '';
      report.setAttribute('data-overall', String(data.overall));
      var head = el('div', null, 'pm-overall pm-status-' + String(data.overall));
      head.appendChild(el('strong', word('label.overall') + t('：', ': ') + pm.overallText(data)));
      head.appendChild(el('div', pm.summaryText(data), 'pm-overall-summary'));
      var rs = (cfg.rulesets || {})[data.ruleset] || {};
      var titled = (data.ruleset_title || {})[pm.cfg.lang === 'en' ? 'en' : 'zh'] || rs.title || data.ruleset;
      head.appendChild(el('div', word('label.ruleset') + t('：', ': ') + fmt(titled), 'pm-overall-ruleset'));
      if (data.adoption || rs.adoption) {
        var adoption = el('div', rs.adoption || '', 'pm-adoption pm-adoption-' + String((data.adoption || {}).status || rs.status));
        head.appendChild(adoption);
      }
      report.appendChild(head);

      var criteria = el('table', null, 'pm-criteria');
      var hr = el('tr');
      [word('label.criterion'), word('label.result'), word('label.value'), word('label.requirement')].forEach(function (h) { hr.appendChild(el('th', h)); });
      criteria.appendChild(hr);
      (data.criteria || []).forEach(function (c) {
        var title = pm.cfg.lang === 'en' ? (c.title_en || c.title_zh || c.id) : (c.title_zh || c.title_en || c.id);
        var unit = c.unit === 'share (0–1)' ? 'share' : c.unit;
        var requirement = c.operator === 'review' ? word('status.manual')
          : (operatorText(c.operator) + ' ' + valueText(c.threshold, unit)).trim();
        var status = el('span', statusText(c.status));
        var cell = el('div');
        cell.appendChild(status);
        var note = basisNote(c);
        if (note) { cell.appendChild(el('div', note, 'pm-basis pm-basis-' + c.basis)); }
        var tr = row(criteria, [title, cell, c.value === null || c.value === undefined ? '—' : valueText(c.value, unit),
          requirement], 'pm-criterion pm-status-' + String(c.status));
        tr.setAttribute('data-criterion', String(c.id));
        if (c.basis) { tr.setAttribute('data-basis', String(c.basis)); }
        var detail = [];
        var colon = t('：', ': ');
        if (c.missing_attribute) {
          detail.push(word('label.missing_attribute') + colon + fmt((cfg.attributes || {})[c.missing_attribute] || c.missing_attribute));
        }
        if (c.method && (pm.cfg.lang === 'en' || !/[A-Za-z]+[\s']+[A-Za-z]+[\s']+[A-Za-z]+/.test(c.method))) { detail.push(word('label.method') + colon + fmt(c.method)); }
        if (c.source) { detail.push(word('label.source') + colon + fmt(c.source)); }
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
          row(st, [fmt(s.name), hasWord('mode', s.mode) ? word('mode.' + s.mode) : fmt(s.mode), pm.number(s.distance_m, 0) + ' m',
            hasWord('walk_method', s.method) ? word('walk_method.' + s.method) : fmt(s.method)]);
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
        info.appendChild(el('li', (hasWord('context', k) ? word('context.' + k) : k) + t('：', ': ') + fmt(v)));
      });
      if (info.childNodes.length) {
        report.appendChild(el('h4', t('规划背景', 'Plan context')));
        report.appendChild(info);
      }
      (data.warnings || []).forEach(function (w) { report.appendChild(el('p', '⚠ ' + fmt(w), 'pm-warning')); });

      // the map: the site styled by the overall result, stations and walking routes
      state.overlay.clearLayers();
      var look = OVERALL_STYLE[data.overall] || OVERALL_STYLE.incomplete;
      if (state.shape && state.shape.setStyle) {
        // a white halo under a near-black outline: no plan layer is drawn like that, so the site stands out
        var halo = L.geoJSON(state.shape.toGeoJSON(), {style: function () {
          return {color: '#ffffff', weight: 10, opacity: 0.95, fill: false, interactive: false};
        }, interactive: false});
        halo.addTo(state.overlay);
        state.shape.setStyle({color: look.color, fillColor: look.fillColor, fillOpacity: 0.3, weight: 4, dashArray: null});
        if (state.shape.bringToFront) { state.shape.bringToFront(); }
      }
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
      [pdfButton, sheetButton].forEach(function (b) { if (b) { b.disabled = !(cfg.reportEndpoint && state.body); } });
    }

    /* The report PDF of this very check (POST /export/check-report.pdf with the same body), and a sheet of the
       drawn site framed on it (GET /export/map.pdf with its box). */
    var pdfButton = document.getElementById('pm-report-pdf'), sheetButton = document.getElementById('pm-site-sheet');
    function saveBlob(blob, name) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
    }
    pm.reportPdf = function () {
      if (!state.body || !cfg.reportEndpoint) { return Promise.resolve(null); }
      say(word('ui.working'), 'pm-busy');
      var url = cfg.reportEndpoint + (pm.cfg.lang === 'en' ? '?lang=en' : '');
      return fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(state.body)})
        .then(function (response) {
          if (!response.ok) {
            return response.json().then(function (d) { throw new Error(d.description || ('HTTP ' + response.status)); });
          }
          return response.blob();
        }).then(function (blob) {
          say('');
          pm.lastPdf = {size: blob.size, type: blob.type};
          saveBlob(blob, 'check-report.pdf');
          return blob;
        }).catch(function (err) { say(t('无法生成报告：', 'No report: ') + err.message, 'pm-error'); return null; });
    };
    if (pdfButton) { pdfButton.addEventListener('click', pm.reportPdf); }
    if (sheetButton) {
      sheetButton.addEventListener('click', function () {
        if (!state.shape || !cfg.sheetEndpoint) { return; }
        var b = L.featureGroup([state.shape]).getBounds().pad(0.6);
        var sw = pm.toWgs84(b.getWest(), b.getSouth()), ne = pm.toWgs84(b.getEast(), b.getNorth());
        var layers = Object.keys(pm.layers).filter(function (id) { return map.hasLayer(pm.layers[id]); });
        var url = cfg.sheetEndpoint + '?bbox=' + [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(5); }).join(',') +
          (layers.length ? '&layers=' + layers.join(',') : '') + (pm.cfg.lang === 'en' ? '&lang=en' : '');
        window.open(url, '_blank', 'noopener');
      });
    }

    map.on(L.Draw.Event.CREATED, function (e) { setShape(e.layer); });
    map.on(L.Draw.Event.EDITED, function () { run(); iso.siteChanged(shapeGeometryWgs84(), false); });
    map.on(L.Draw.Event.DELETED, function () {
      state.shape = null; state.overlay.clearLayers(); report.textContent = ''; report.hidden = true;
      iso.siteChanged(null, false);
    });
    function showRulesetAttributes() {
      var chosen = form.querySelector('[name=ruleset]').value;
      Array.prototype.forEach.call(form.querySelectorAll('.pm-adoption[data-ruleset]'), function (p) {
        p.hidden = p.getAttribute('data-ruleset') !== chosen;
      });
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
    if (cfg.initialSite) {
      var wanted = (cfg.initialSite.properties || {}).ruleset, select = form.querySelector('[name=ruleset]');
      if (wanted && select.querySelector('option[value="' + String(wanted).replace(/"/g, '') + '"]')) {
        select.value = wanted; showRulesetAttributes();
      }
      // after the page's own (animated) fitBounds: a zoom still animating would land after ours
      var loadInitial = function () {
        if (map._animatingZoom) { map.once('zoomend', function () { setTimeout(loadInitial, 0); }); return; }
        pm.loadGeoJSON(cfg.initialSite);
      };
      setTimeout(loadInitial, 50);
    }
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
