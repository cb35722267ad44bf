"""Pages of the workbench: sites compared on one map with one table, and the saved-site panel of the check page.

Every text a user typed (names, notes, attributes) is escaped by Jinja's autoescape; the GeoJSON handed to the
page's script is JSON with ``<``, ``>`` and ``&`` escaped, so it cannot close the ``<script>`` element.
"""

from __future__ import annotations

import json
from typing import Any

import jinja2

from maps import vocabulary

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
#: one colour per compared site (at most five)
COLOURS = ("#d1242f", "#0969da", "#1a7f37", "#8250df", "#bf8700")


def script_json(value: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` as unicode escapes."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _status(value: str | None, lang: str) -> str:
    """The vocabulary's word for a criterion status or an overall result (``—`` when there is none)."""
    if value is None:
        return "—"
    if value in vocabulary.keys("overall") and value not in vocabulary.keys("status"):
        return vocabulary.overall_label(value, lang)
    return vocabulary.status_label(value, lang)


def _value(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "—"
    value = entry.get("value")
    if isinstance(value, float):
        value = round(value, 1)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


_COMPARE = _ENV.from_string("""<!DOCTYPE html>
<html lang="{{ 'en' if lang == 'en' else 'zh-CN' }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t('选址对比', 'Compare sites') }} · {{ plan_title }}</title>
<link rel="stylesheet" href="{{ root }}/static/vendor/leaflet/leaflet.css">
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328}
header{padding:.6rem 1rem;border-bottom:1px solid #d0d7de}h1{font-size:1.2rem;margin:0}
#pm-compare-map{height:46vh}main{padding:0 1rem 1rem}table{border-collapse:collapse;width:100%;margin-top:.8rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
tr.pm-differs td{background:#fff8c5}.pm-fail{color:#d1242f}.pm-pass{color:#1a7f37}.pm-swatch{display:inline-block;
width:.8rem;height:.8rem;margin-right:.3rem;border-radius:2px}.pm-stale{color:#9a6700;font-size:.85rem}
</style></head><body>
<header><h1>{{ t('选址对比', 'Compare sites') }} · {{ plan_title }}</h1>
<p>{{ t('数据日期', 'Data as of') }} {{ data_date }} · {{ t('黄色行表示各选址结果不同', 'Rows in yellow differ between the sites') }}</p></header>
<div id="pm-compare-map"></div>
<main><table id="pm-compare-table"><thead><tr><th>{{ t('指标', 'Criterion') }}</th>
{% for site in sites %}<th><span class="pm-swatch" style="background:{{ site.colour }}"></span>
<a href="{{ root }}/maps/check?site={{ site.id|urlencode }}">{{ site.name }}</a>
{% if site.stale %}<div class="pm-stale">{{ t('报告早于当前数据, 请重新检查', 'report predates the current data: re-check') }}</div>{% endif %}
</th>{% endfor %}</tr></thead><tbody>
<tr class="{{ 'pm-differs' if overall_differs else '' }}"><th>{{ t('总体结论', 'Overall') }}</th>
{% for site in sites %}<td class="pm-{{ site.overall }}">{{ status(site.overall) }}</td>{% endfor %}</tr>
<tr><th>{{ t('规则集', 'Ruleset') }}</th>{% for site in sites %}<td>{{ site.ruleset }}</td>{% endfor %}</tr>
{% for row in criteria %}<tr class="{{ 'pm-differs' if row.differs else '' }}"><th>{{ row.title }}{% if row.unit %} ({{ row.unit }}){% endif %}</th>
{% for cell in row.cells %}<td class="pm-{{ cell.status }}">{{ status(cell.status) }} {{ cell.value }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></main>
<script src="{{ root }}/static/vendor/leaflet/leaflet.js"></script>
<script>
(function () {
  var sites = {{ features|safe }};
  var map = L.map("pm-compare-map");
  var group = L.featureGroup().addTo(map);
  sites.forEach(function (site) {
    L.geoJSON(site.feature, {style: {color: site.colour, weight: 3, fillOpacity: 0.25},
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {color: site.colour, radius: 7}); }})
      .bindTooltip(document.createTextNode(site.name).textContent).addTo(group);
  });
  map.fitBounds(group.getBounds().pad(0.3));
})();
</script></body></html>""")


def build_compare_page(service: Any, result: dict[str, Any], *, lang: str, root: str) -> str:
    """The compare page for the result of :meth:`api.service.sites.SiteService.compare`."""
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    sites = [{**column, "colour": COLOURS[i % len(COLOURS)]} for i, column in enumerate(result["sites"])]
    criteria = []
    for row in result["criteria"]:
        title = row.get("title")
        if isinstance(title, dict):
            title = title.get(lang) or title.get("zh") or row["id"]
        criteria.append({"title": title or row["id"], "unit": row.get("unit") or "", "differs": row["differs"],
                         "cells": [{"status": (v or {}).get("status"), "value": _value(v)} for v in row["values"]]})
    features = [{"name": s["name"], "colour": s["colour"], "feature": f} for s, f in zip(sites, result["features"],
                                                                                          strict=True)]
    plan = service.plan
    return _COMPARE.render(lang=lang, t=t, status=lambda v: _status(v, lang), root=root, sites=sites,
                           criteria=criteria, overall_differs=result["overall_differs"],
                           plan_title=plan.title.en if lang == "en" else plan.title.zh, data_date=plan.data_date,
                           features=script_json(features))


_PANEL = _ENV.from_string("""<section class="pm-saved-site" id="pm-saved-site" data-site="{{ site.id }}">
<h2>{{ t('已保存的选址', 'Saved site') }}: {{ site.name }}</h2>
<p>{{ t('作者', 'Author') }} {{ site.author }} · {{ t('版本', 'Version') }} {{ site.version }} · {{ site.updated }}</p>
{% if site.note %}<p class="pm-note">{{ site.note }}</p>{% endif %}
{% if stale %}<p class="pm-stale" id="pm-saved-stale">{{ t('报告早于当前数据', 'The stored report predates the current data') }}
({{ site.data_date }} → {{ data_date }}); {{ t('请重新检查', 're-check it') }}.</p>{% endif %}
<p>{{ t('结论', 'Overall') }}: <strong class="pm-{{ site.overall }}">{{ status }}</strong> · {{ t('规则集', 'Ruleset') }} {{ site.ruleset }}</p>
{% if attributes %}<table class="pm-attributes"><tbody>{% for name, value in attributes %}
<tr><th>{{ name }}</th><td>{{ value }}</td></tr>{% endfor %}</tbody></table>{% endif %}
<table class="pm-saved-report"><thead><tr><th>{{ t('指标', 'Criterion') }}</th><th>{{ t('结果', 'Result') }}</th><th>{{ t('数值', 'Value') }}</th></tr></thead><tbody>
{% for c in criteria %}<tr><td>{{ c.title }}</td><td class="pm-{{ c.status }}">{{ c.status_text }}</td><td>{{ c.value }}</td></tr>{% endfor %}
</tbody></table>
<script type="application/json" id="pm-saved-site-json">{{ feature|safe }}</script>
</section>""")


def saved_site_panel(record: dict[str, Any], feature: dict[str, Any], *, stale: bool, data_date: str,
                     lang: str) -> str:
    """The panel of a saved site on the check page (``/maps/check?site=…``): attributes, report, staleness."""
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    criteria = []
    for c in (record.get("report") or {}).get("criteria", []):
        title = c.get("title_en") if lang == "en" else c.get("title_zh")
        criteria.append({"title": title or c.get("id"), "status": c.get("status"),
                         "status_text": _status(c.get("status"), lang), "value": _value(c)})
    attributes = [(k, json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v)
                  for k, v in (record.get("attributes") or {}).items()]
    return _PANEL.render(site=record, t=t, stale=stale, data_date=data_date, status=_status(record.get("overall"), lang),
                         attributes=attributes, criteria=criteria, feature=script_json(feature))
