"""HTML templates of the map pages, declared in code (rendering reads no files). Autoescaped: every value from
data, the request or the user is escaped by Jinja unless a template says otherwise."""

from __future__ import annotations

import jinja2

from maps import vocabulary

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<link rel="icon" href="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiByeD0iMyIgZmlsbD0iIzZiM2ZhMCIvPjxwYXRoIGQ9Ik0zIDEyIEw3IDQgTDEwIDkgTDEzIDYiIHN0cm9rZT0iI2ZmZiIgc3Ryb2tlLXdpZHRoPSIxLjYiIGZpbGw9Im5vbmUiLz48L3N2Zz4=">
{{ header|safe }}
</head>
<body class="{{ body_class }}">
{{ html|safe }}
<script>
{{ script|safe }}
</script>
</body>
</html>
"""

HEADER = """<header class="pm-header">
  <h1>{{ plan_title }}</h1>
  <span class="pm-subtitle">{{ page_title }}</span>
  {% if links %}<nav>{% for href, label in links %}<a href="{{ href }}">{{ label }}</a>{% endfor %}</nav>{% endif %}
  <span class="pm-date">{{ t('数据日期：', 'Data date: ') }}{{ data_date }}</span>
</header>"""

LEGEND = """<div id="{{ node_id }}" class="pm-legend" hidden>
<details open><summary>{{ word('ui.legend') }}<button type="button" class="pm-opacity-toggle" title="{{ word('ui.opacity') }}">{{ word('ui.opacity') }}</button></summary>
{% for entry in entries %}
<div class="pm-legend-entry" data-layer="{{ entry.id }}">
  {% if entry.categorised %}
  <div class="pm-legend-title">{{ entry.title }}{% if entry.schematic %}<span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>{% endif %}</div>
  {% for item in entry.swatches %}
  <div class="pm-legend-item"><span class="pm-swatch pm-swatch-{{ entry.kind }}" style="{{ item.css }}"></span><span>{{ item.label }}</span></div>
  {% endfor %}
  {% else %}
  <div class="pm-legend-item pm-legend-title"><span class="pm-swatch pm-swatch-{{ entry.kind }}" style="{{ entry.swatches[0].css }}"></span><span>{{ entry.title }}{% if entry.schematic %}<span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>{% endif %}</span></div>
  {% endif %}
</div>
{% endfor %}
{% for note in notes %}<div class="pm-legend-note{% if note.cls %} {{ note.cls }}{% endif %}"{% if note.layer %} data-layer="{{ note.layer }}"{% endif %}>{% if note.css %}<span class="pm-swatch pm-swatch-{{ note.kind }}" style="{{ note.css }}"></span>{% endif %}<span>{{ note.text }}</span></div>{% endfor %}
</details>
</div>"""

SHARE = """{% if snippet or download_href %}<h3>{{ t('嵌入与下载', 'Embed and download') }}</h3>{% endif %}
{% if snippet %}
<label for="pm-snippet">{{ t('嵌入代码（复制到其他网页）', 'Embed code (copy into another page)') }}</label>
<textarea id="pm-snippet" readonly>{{ snippet }}</textarea>
{% endif %}
{% if download_href %}<p><a class="pm-button" href="{{ download_href }}" download>{{ t('下载离线 HTML（单文件，无需网络）', 'Download standalone HTML (one file, works offline)') }}</a></p>{% endif %}
"""

ATTRIBUTES = """<table class="pm-attrs">
{% for label, value in rows %}<tr><th>{{ label }}</th><td>{{ value }}</td></tr>{% endfor %}
</table>"""

PROVENANCE = """<h3>{{ t('数据来源', 'Provenance') }}</h3>
<table class="pm-provenance">
<tr><th>{{ t('来源', 'Source') }}</th><td>{{ source }}</td></tr>
{% if method %}<tr><th>{{ t('方法', 'Method') }}</th><td>{{ method }}</td></tr>{% endif %}
<tr><th>{{ t('精度', 'Accuracy') }}</th><td>±{{ accuracy }} m</td></tr>
{% if licence %}<tr><th>{{ t('许可', 'Licence') }}</th><td>{{ licence }}</td></tr>{% endif %}
{% if date %}<tr><th>{{ t('日期', 'Date') }}</th><td>{{ date }}</td></tr>{% endif %}
</table>
{% if schematic %}<p class="pm-note"><span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>
{{ t('示意性图形：根据规划文本绘制，不是测绘成果。', 'Schematic: drawn from the plan text, not surveyed.') }}</p>{% endif %}"""

AUDIT = """<h3>{{ t('规划核查', 'Plan audit') }}</h3>
{% if audit is none %}
<p class="pm-note" id="pm-audit">{{ t('核查结果不可用', 'Audit not available') }}{% if reason %}：{{ reason }}{% endif %}</p>
{% else %}
<div id="pm-audit">
<div class="pm-overall pm-status-{{ audit.overall or 'none' }}"><strong>{{ word('label.overall') }}：{% if audit.overall %}{{ status(audit.overall) }}{% else %}{{ word('overall.not-judged') }}{{ t('（本类区域无适用规则集）', ' (no ruleset applies to this kind of zone)') }}{% endif %}</strong>
{% if audit.ruleset %} · {{ word('label.ruleset') }} {{ audit.ruleset }}{% endif %}</div>
{% if audit.measures %}<table>{% for label, value in audit.measures %}<tr><th>{{ label }}</th><td>{{ value }}</td></tr>{% endfor %}</table>{% endif %}
{% if audit.criteria %}<table class="pm-criteria">
<tr><th>{{ word('label.criterion') }}</th><th>{{ word('label.result') }}</th></tr>
{% for c in audit.criteria %}
<tr class="pm-criterion pm-status-{{ c.status }}"><td>{{ c.title }}</td><td>{{ status(c.status) }}{% if c.detail %} · {{ c.detail }}{% endif %}</td></tr>
{% endfor %}
</table>{% endif %}
<p class="pm-note">{{ t('完整的指标、阈值与方法见', 'Criteria, thresholds and methods in full:') }} <code>GET /api/checks/plan</code></p>
{% for w in audit.warnings %}<p class="pm-warning">⚠ {{ w }}</p>{% endfor %}
</div>
{% endif %}"""

FEATURE_PANEL = """<aside class="pm-panel">
<h2>{{ name }}{% if schematic %}<span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>{% endif %}</h2>
<p class="pm-note">{{ layer_title }}{% if kind_label %} · {{ kind_label }}{% endif %} · id <code>{{ feature_id }}</code></p>
<h3>{{ t('属性', 'Attributes') }}</h3>
{{ attributes|safe }}
{{ provenance|safe }}
{{ audit|safe }}
{{ share|safe }}
</aside>"""

OVERVIEW_PANEL = """<aside class="pm-panel">
<h2>{{ t('总图', 'Overview') }}</h2>
<p>{{ district }} · {{ t('图层', 'layers') }} {{ layer_count }} · {{ t('要素', 'features') }} {{ feature_count }}</p>
<p class="pm-note">{{ t('右上角可按分组开关图层；点击要素查看属性与数据来源。标“示意”的图层是根据规划文本绘制的示意图，不是测绘成果。',
 'Switch layers by group (top right); click a feature for its attributes and provenance. Layers marked “schematic” are drawn from the plan text, not surveyed.') }}</p>
<h3>{{ t('图层与来源', 'Layers and sources') }}</h3>
<table>
{% for row in layers %}<tr><th>{{ row.title }}{% if row.schematic %}<span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>{% endif %}</th><td>{{ row.count }} · {{ row.source }}</td></tr>{% endfor %}
</table>
<p class="pm-note">{{ attribution }}</p>
{{ share|safe }}
</aside>"""

CHECK_PANEL = """<aside class="pm-panel">
<h2>{{ t('选址检查', 'Site check') }}</h2>
<p class="pm-note">{{ t('用左上角的工具画一个面、线或点（或上传 GeoJSON），选择规则集，可填写属性；检查结果显示在下方。',
 'Draw a polygon, line or point with the tools at the top left (or upload GeoJSON), pick a ruleset, optionally fill in attributes; the report appears below.') }}</p>
<form id="{{ form_id }}">
<label for="pm-ruleset">{{ t('规则集', 'Ruleset') }}</label>
<select id="pm-ruleset" name="ruleset">
{% for rs in rulesets %}<option value="{{ rs.id }}" data-geometry="{{ rs.geometry }}"{% if loop.first %} selected{% endif %}>{{ rs.title }}</option>{% endfor %}
</select>
{% for rs in rulesets %}<p class="pm-adoption pm-adoption-{{ rs.adoption_status }}" data-ruleset="{{ rs.id }}"{% if not loop.first %} hidden{% endif %}>{{ rs.adoption }}</p>{% endfor %}
{% if not rulesets %}<p class="pm-note">{{ t('本规划没有可用的规则集。', 'This plan has no rulesets.') }}</p>{% endif %}
<details{% if open_attributes %} open{% endif %}><summary>{{ t('属性（可选，地图无法得知的数据）', 'Attributes (optional: what a map cannot know)') }}</summary>
{% for a in attributes %}
<div class="pm-attribute pm-attribute-{{ a.type }}" data-rulesets="{{ a.rulesets }}">
{% if a.type == 'array' and a.choices %}
<fieldset id="pm-attr-{{ a.name }}" data-attribute="{{ a.name }}" data-type="multi"><legend>{{ a.title }}</legend>
{% for value, label in a.choices %}<label class="pm-check"><input type="checkbox" value="{{ value }}"> {{ label }}</label>{% endfor %}
</fieldset>
{% elif a.type == 'boolean' %}
<label for="pm-attr-{{ a.name }}">{{ a.title }}</label>
<select id="pm-attr-{{ a.name }}" data-attribute="{{ a.name }}" data-type="boolean">
<option value="">{{ word('form.unset') }}</option><option value="true">{{ word('form.yes') }}</option><option value="false">{{ word('form.no') }}</option>
</select>
{% elif a.choices %}
<label for="pm-attr-{{ a.name }}">{{ a.title }}</label>
<select id="pm-attr-{{ a.name }}" data-attribute="{{ a.name }}" data-type="choice">
<option value="">{{ word('form.unset') }}</option>{% for value, label in a.choices %}<option value="{{ value }}">{{ label }}</option>{% endfor %}
</select>
{% else %}
<label for="pm-attr-{{ a.name }}">{{ a.title }}</label>
<input id="pm-attr-{{ a.name }}" type="text"{% if a.type in ('number', 'integer', 'fraction') %} inputmode="decimal"{% endif %}
 data-attribute="{{ a.name }}" data-type="{{ a.type }}"{% if a.minimum is not none %} data-min="{{ a.minimum }}"{% endif %} placeholder="{{ a.hint }}" autocomplete="off">
{% endif %}
<div class="pm-field-error" role="alert" hidden></div>
</div>
{% endfor %}
</details>
<button type="submit">{{ t('检查', 'Check') }}</button>
<button type="button" id="pm-report-pdf" disabled>{{ word('ui.report_pdf') }}</button>
<button type="button" id="pm-site-sheet" disabled>{{ word('ui.site_sheet') }}</button>
<span id="pm-workbench" class="pm-workbench" hidden><button type="button" id="pm-save-site" disabled>{{ word('ui.save_site') }}</button>
<label class="pm-button" for="pm-import-file">{{ word('ui.import_file') }}</label>
<input type="file" id="pm-import-file" accept=".geojson,.json,.kml,.kmz,.gpkg,.zip,.dxf,.csv"></span>
<button type="button" id="{{ download_id }}">{{ t('下载图形 GeoJSON', 'Download shape (GeoJSON)') }}</button>
<label class="pm-button" for="{{ upload_id }}">{{ t('上传 GeoJSON', 'Upload GeoJSON') }}</label>
<input type="file" id="{{ upload_id }}" accept=".geojson,.json,application/geo+json,application/json">
</form>
<div id="{{ message_id }}" class="pm-message" role="status"></div>
<div id="{{ report_id }}" class="pm-report" hidden></div>
{{ share|safe }}
</aside>"""

INDEX = """<!DOCTYPE html>
<html lang="zh">
<head><meta charset="utf-8"><title>{{ plan_title }} · 地图 Maps</title>
<link rel="icon" href="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiByeD0iMyIgZmlsbD0iIzZiM2ZhMCIvPjxwYXRoIGQ9Ik0zIDEyIEw3IDQgTDEwIDkgTDEzIDYiIHN0cm9rZT0iI2ZmZiIgc3Ryb2tlLXdpZHRoPSIxLjYiIGZpbGw9Im5vbmUiLz48L3N2Zz4=">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{{ static_url }}/planmap/planmap.css"></head>
<body class="pm-index">
<h1>{{ plan_title }}<br><span class="en">{{ plan_title_en }}</span></h1>
{% if plans|length > 1 %}<nav class="pm-plan-switcher" id="pm-plan-switcher" aria-label="{{ word('ui.plan') }}">{{ word('ui.plan') }}：
{% for p in plans %}{% if p.current %}<strong class="pm-plan-current" aria-current="page">{{ p.title }}</strong>{% else %}<a href="{{ p.href }}">{{ p.title }}</a>{% endif %}{% if not loop.last %} · {% endif %}{% endfor %}</nav>{% endif %}
<p>{{ district }} · 数据日期 {{ data_date }} <span class="en">Data date {{ data_date }}</span></p>
<p class="pm-index-actions"><a class="pm-button" id="pm-open-check" href="{{ maps_url }}/check">{{ word('ui.open_check') }}</a>
<a class="pm-button" id="pm-export-sheet" href="{{ export_url }}/map.pdf?paper=A3">{{ word('ui.export_sheet_pdf') }}</a>
<a class="pm-button" href="{{ maps_url }}/audit">规划核查表 <span class="en">Plan audit</span></a></p>
<h2>地图 <span class="en">Maps</span></h2>
<ul>
<li><a href="{{ maps_url }}/overview">总图</a> <span class="en">Overview — every layer of the plan, grouped and switchable</span></li>
<li><a href="{{ maps_url }}/check">选址检查</a> <span class="en">Site check — draw a site, pick a ruleset, read the report</span></li>
<li><a href="{{ maps_url }}/audit">规划核查表</a> <span class="en">Plan audit — every zone measured and judged, with transit access (<a href="{{ maps_url }}/audit?lang=en">English</a>, <a href="{{ maps_url }}/audit.csv">CSV</a>)</span></li>
</ul>
<p>底图 <span class="en">Basemaps</span>：{% for b in basemaps %}<code>basemap={{ b.id }}</code> {{ b.label }}{% if not loop.last %} · {% endif %}{% endfor %}
<span class="en">(default <code>none</code> needs no internet)</span></p>
<h2>规划区域 <span class="en">Zones</span></h2>
{% for group in zones %}
<h3>{{ group.title }} <span class="en">{{ group.title_en }}</span></h3>
<ul>{% for z in group.entries %}<li><a href="{{ maps_url }}/zones/{{ z.id|urlencode }}">{{ z.name }}</a>{% if z.name_en %} <span class="en">{{ z.name_en }}</span>{% endif %}{% if z.schematic %} <span class="pm-badge pm-badge-schematic">示意</span>{% endif %}
<span class="pm-zone-actions"><a class="pm-open-check" href="{{ maps_url }}/check?zone={{ z.id|urlencode }}">{{ word('ui.open_in_check') }}</a> · <a class="pm-zone-sheet" href="{{ export_url }}/map.pdf?zone={{ z.id|urlencode }}&amp;paper=A4">{{ word('ui.export_sheet_pdf') }}</a></span></li>{% endfor %}</ul>
{% else %}<p class="en">暂无区域图层 No zone layers yet.</p>
{% endfor %}
<h2>重点项目 <span class="en">Key projects</span></h2>
{% if projects %}<ul>{% for p in projects %}<li><a href="{{ maps_url }}/projects/{{ p.id|urlencode }}">{{ p.name }}</a>{% if p.status %} · {{ p.status }}{% endif %}{% if p.name_en %} <span class="en">{{ p.name_en }}</span>{% endif %}</li>{% endfor %}</ul>
{% else %}<p class="en">暂无重点项目图层 No key-projects layer yet.</p>{% endif %}
<h2>嵌入 <span class="en">Embedding</span></h2>
<p><code>{{ embed_url }}/map?layers=…&amp;bbox=minlon,minlat,maxlon,maxlat&amp;basemap=none&amp;lang=zh</code>,
<code>{{ embed_url }}/zones/{id}</code>, <code>{{ embed_url }}/projects/{id}</code>.
<span class="en">Each map page shows its iframe snippet; add <code>?download=1</code> to any map for a standalone HTML file.</span></p>
<p class="en">{{ attribution }}</p>
</body></html>
"""

AUDIT_PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ plan_title }} · {{ t('规划区域核查表', 'Plan audit') }}</title>
<link rel="icon" href="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAxNiAxNiI+PHJlY3Qgd2lkdGg9IjE2IiBoZWlnaHQ9IjE2IiByeD0iMyIgZmlsbD0iIzZiM2ZhMCIvPjxwYXRoIGQ9Ik0zIDEyIEw3IDQgTDEwIDkgTDEzIDYiIHN0cm9rZT0iI2ZmZiIgc3Ryb2tlLXdpZHRoPSIxLjYiIGZpbGw9Im5vbmUiLz48L3N2Zz4=">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{ css|safe }}
</head>
<body class="pm-audit">
{{ header|safe }}
<main>
<section class="pm-audit-intro">
{% if unavailable %}<p class="pm-warning" id="pm-audit-unavailable">{{ t('核查结果不可用：', 'The audit is not available: ') }}{{ unavailable }}</p>{% endif %}
<p class="pm-audit-summary"><strong>{{ t('共', '') }} {{ zone_count }} {{ t('个区域', 'zones') }}</strong>
{% for key in ('pass', 'fail', 'incomplete', 'none') %} · <span class="pm-pill pm-status-{{ key }}">{{ overall_labels[key] }} {{ summary[key] }}</span>{% endfor %}</p>
<p>{{ t('每个区域用其类型的规则集核查：街道型区域按商业街区标准、综合体按商业综合体标准；片区型区域（商圈、片区、海湾）不按标准评判（“' ~ word('overall.not-judged') ~ '”），只列出面积和步行可达。长度与宽度沿区域的中心线量测，宽度以最窄断面判定。',
 'Each zone is checked against the ruleset of its kind: street zones against the commercial-street standard, complexes against the commercial-complex standard; area zones (business circles, districts, bays) are held to no standard (“' ~ word('overall.not-judged') ~ '”) and show their area and walking access only. Length and width are measured along the centre line of the zone; width is judged on the narrowest transect.') }}</p>
{% if thresholds %}
<h2>{{ t('阈值（取自规则集）', 'Thresholds (from the rulesets)') }}</h2>
<ul class="pm-thresholds">
{% for rs in thresholds %}<li><strong>{{ rs.title }}</strong> <code>{{ rs.id }}</code>{{ t('：', ': ') }}
{% for item in rs.criteria %}{% if not loop.first %}{{ t('；', '; ') }}{% endif %}{{ item.title }}
{%- if item.targets %} — {% for target in item.targets %}{% if not loop.first %}{{ t('，', ', ') }}{% endif %}{{ target.title }} {{ t('步行', 'walk') }} ≤ {{ target.value }} {{ item.unit }}{% if target.parameter %} <span class="pm-param">({{ t('参数', 'parameter') }} <code>{{ target.parameter }}</code>)</span>{% endif %}{% endfor %}
{%- else %} {{ item.operator }} {{ item.value }} {{ item.unit }}{% if item.parameter %} <span class="pm-param">({{ t('参数', 'parameter') }} <code>{{ item.parameter }}</code>)</span>{% endif %}{% endif %}
{%- endfor %}</li>
{% endfor %}
</ul>
<p class="pm-note">{{ t('步行距离沿街道网络计算（路网未覆盖处按直线距离乘绕行系数估算，表中注明）；绿色为在阈值以内，红色为超出。标有参数名的阈值是本系统的默认值（标准未给出具体距离），在选址检查中可按需调整。',
 'Walking distances follow the street network (straight line × detour factor where the network does not reach, as marked); green is within the threshold, red beyond it. Thresholds with a parameter name are defaults of this service (the standard gives no distance) and can be changed in a site check.') }}</p>
{% endif %}
{% if adoptions %}<p class="pm-adoption" id="pm-audit-adoption">{% for a in adoptions %}{% if not loop.first %}{{ t('；', '; ') }}{% endif %}<strong>{{ a.title }}</strong>{{ t('：', ': ') }}<span class="pm-adoption-{{ a.status }}">{{ a.text }}</span>{% endfor %}</p>{% endif %}
{% if common %}<div class="pm-values-legend" id="pm-values-legend">
{% for c in common %}<p><strong>{{ fmt('audit.common_needs', lang, ruleset=c.ruleset) }}</strong>{% for item in c.needs %}<span class="pm-chip pm-chip-missing">{{ item }}</span>{% endfor %}</p>{% endfor %}
<p class="pm-note">{{ word('audit.values_howto') }}{% if values_href %} <a class="pm-button" id="pm-values-template" href="{{ values_href }}" download>{{ word('audit.values_template') }}</a>{% endif %}</p>
</div>{% endif %}
<p class="pm-needs-data"><strong>{{ t('“' ~ word('label.needs_data_items') ~ '”须由规划人员补充：', '“' ~ word('label.needs_data_items') ~ '” items must be supplied by the planner:') }}</strong>
{{ t('商户数、建筑面积、业态、营业时间、营业额、投资额等是地图无法得知的数据，须由规划人员提供；在', 'merchants, floor area, formats, opening hours, turnover, investment and the like cannot be known from a map; supply them in the') }}
{% if maps_url %}<a href="{{ maps_url }}/check{{ link_query }}">{{ t('选址检查', 'site check') }}</a>{% else %}{{ t('选址检查', 'site check') }}{% endif %}
{{ t('中填写这些属性后即可得出结论。' ~ word('label.manual_items') ~ '（形象、照明、管理等）不影响“' ~ word('overall.pass') ~ '”结论。', 'and the check judges them. ' ~ word('label.manual_items') ~ ' (appearance, lighting, management …) never block “' ~ word('overall.pass') ~ '”.') }}</p>
{% if any_schematic %}<p class="pm-note">{{ t('标“示意”的区域图形根据规划文本绘制，不是测绘成果；“图形精度”是图形位置的可信范围，量测结果只作规划参考。',
 'Zone shapes marked "schematic" are drawn from the plan text, not surveyed; "geometry accuracy" is how far the drawn shape may be off, so measurements indicate the plan, not the ground.') }}</p>{% endif %}
<p class="pm-audit-links">
{% if check_href %}<a class="pm-button" id="pm-open-check" href="{{ check_href }}{{ link_query }}">{{ word('ui.open_check') }}</a>{% endif %}
{% if sheet_href %}<a class="pm-button" id="pm-export-sheet" href="{{ sheet_href }}">{{ word('ui.export_sheet_pdf') }}</a>{% endif %}
{% if csv_href %}<a class="pm-button" href="{{ csv_href }}" download>{{ t('下载 CSV（Excel 可直接打开）', 'Download CSV (opens in Excel)') }}</a>{% endif %}
{% if maps_url %}<a href="{{ api_href }}">{{ t('JSON 原始结果', 'raw JSON') }} <code>GET /api/checks/plan</code></a>{% endif %}
{% if other_lang_href %}<a href="{{ other_lang_href }}">{{ t('English', '中文') }}</a>{% endif %}
</p>
</section>
{% if groups %}<form class="pm-audit-tools" id="pm-audit-tools" hidden{% if values_endpoint %} data-values="{{ values_endpoint }}" data-me="{{ me_endpoint }}" data-saving="{{ word('values.saving') }}" data-saved="{{ word('values.saved') }}" data-nothing="{{ word('values.nothing') }}" data-fix="{{ word('form.err_form') }}"{% endif %} data-lang="{{ lang }}">
<label>{{ word('audit.filter') }} <select id="pm-audit-filter"><option value="">{{ word('audit.filter_all') }}</option>
{% for key in ('pass', 'fail', 'incomplete', 'none') %}<option value="{{ key }}">{{ overall_labels[key] }}</option>{% endfor %}</select></label>
{% if ruleset_options|length > 1 %}<label>{{ word('audit.filter_ruleset') }} <select id="pm-audit-ruleset"><option value="">{{ word('audit.filter_all') }}</option>
{% for rid, title in ruleset_options %}<option value="{{ rid }}">{{ title }}</option>{% endfor %}<option value="none">{{ overall_labels['none'] }}</option></select></label>{% endif %}
{% if groups|length > 1 %}<label>{{ word('audit.filter_layer') }} <select id="pm-audit-layer"><option value="">{{ word('audit.filter_all') }}</option>
{% for g in groups %}<option value="{{ g.id }}">{{ g.title }}</option>{% endfor %}</select></label>{% endif %}
<label>{{ word('audit.search') }} <input type="search" id="pm-audit-search" placeholder="{{ word('audit.search_placeholder') }}" autocomplete="off"></label>
<label>{{ word('audit.sort') }} <select id="pm-audit-sort"><option value="layer">{{ word('audit.sort_layer') }}</option><option value="result">{{ word('audit.sort_result') }}</option><option value="name">{{ word('audit.sort_name') }}</option></select></label>
<button type="button" id="pm-audit-print">{{ word('audit.print') }}</button>
<span id="pm-audit-shown" class="pm-muted" data-template="{{ word('audit.shown') }}"></span>
</form>{% endif %}
{% for g in groups %}
<section class="pm-audit-layer" data-layer="{{ g.id }}">
<h2>{{ g.title }} <span class="pm-count">{{ g.rows|length }}</span></h2>
<table class="pm-audit-table">
<colgroup><col class="pm-col-zone"><col class="pm-col-ruleset"><col class="pm-col-num"><col class="pm-col-width"><col class="pm-col-area">
{% for head in transit_targets %}<col class="pm-col-walk">{% endfor %}<col class="pm-col-overall"><col class="pm-col-failed"><col class="pm-col-missing"><col class="pm-col-accuracy"></colgroup>
<thead><tr>
<th>{{ t('区域', 'Zone') }}</th><th>{{ t('规则集', 'Ruleset') }}</th>
<th class="pm-num">{{ word('measure.length_m') }}<br><span class="pm-unit">{{ word('unit.m') }}</span></th>
<th class="pm-num">{{ t('宽度', 'Width') }}<br><span class="pm-unit">{{ t('最小 / 平均', 'min / mean') }} · m</span></th>
<th class="pm-num">{{ word('measure.area_m2') }}<br><span class="pm-unit">{{ word('unit.m²') }}</span></th>
{% for head in transit_targets %}<th class="pm-num">{{ head.title }}{% if head.limit %}<br><span class="pm-unit">{{ head.limit }}</span>{% endif %}</th>{% endfor %}
<th>{{ word('label.overall') }}</th><th>{{ word('label.failed_items') }}</th><th>{{ word('label.needs_data_items') }}</th>
<th class="pm-num">{{ t('图形精度', 'Geometry accuracy') }}<br><span class="pm-unit">± m</span></th>
</tr></thead>
<tbody>
{% for r in g.rows %}
<tr class="pm-audit-row" id="zone-{{ r.id }}" data-zone="{{ r.id }}" data-overall="{{ r.overall or 'none' }}" data-name="{{ r.name }}" data-layer="{{ g.id }}" data-ruleset="{{ r.ruleset or 'none' }}"{% if r.fields %} data-fields="{{ r.fields|join(' ') }}"{% endif %}{% if r.id in prefill %} data-values="{{ prefill[r.id] }}"{% endif %}>
<td class="pm-zone">{% if maps_url %}<a href="{{ maps_url }}/zones/{{ r.id|urlencode }}{{ link_query }}">{{ r.name }}</a>{% else %}{{ r.name }}{% endif %}
{%- if r.schematic %}<span class="pm-badge pm-badge-schematic">{{ t('示意', 'schematic') }}</span>{% endif %}
{% if r.drawn_in|length > 1 %}<div class="pm-drawn-in">{{ fmt('audit.drawn_in', lang, layers=r.drawn_in|join(t('、', ', '))) }}</div>{% endif %}
{% for basis, items in r.bases %}<div class="pm-basis">{{ fmt('audit.basis_line', lang, basis=basis, items=items|join(t('、', ', '))) }}</div>{% endfor %}
{% for w in r.warnings %}<div class="pm-warning">⚠ {{ w }}</div>{% endfor %}</td>
<td class="pm-ruleset">{% if r.ruleset_title %}{{ r.ruleset_title }}{% else %}<span class="pm-muted">—</span>{% endif %}</td>
<td class="pm-num">{{ number(r.length_m, 0) }}</td>
<td class="pm-num">{% if r.width_min_m is none and r.width_mean_m is none %}—{% else %}{{ number(r.width_min_m, 1) }} / {{ number(r.width_mean_m, 1) }}{% endif %}</td>
<td class="pm-num">{{ number(r.area_m2, 0) }}</td>
{% for head in transit_targets %}{% set cell = r.transit.get(head.key) %}
<td class="pm-num pm-walk{% if cell %} pm-walk-{{ cell.status }}{% endif %}"{% if cell and cell.threshold is not none %} title="≤ {{ number(cell.threshold, 0) }} m · {{ status_label(cell.status) }}"{% endif %}>{% if cell %}{{ cell.text(lang) }}{% if loop.last and r.walk_method %}<div class="pm-method">{{ r.walk_method }}</div>{% endif %}{% if loop.last and r.walk_basis %}<div class="pm-method pm-basis">{{ r.walk_basis }}</div>{% endif %}{% else %}—{% endif %}</td>
{% endfor %}
<td class="pm-overall-cell pm-status-{{ r.overall or 'none' }}">{{ r.overall_label }}</td>
<td class="pm-failed">{% for c in r.failed %}<span class="pm-chip pm-chip-fail">{{ c }}</span>{% else %}<span class="pm-muted">—</span>{% endfor %}</td>
<td class="pm-missing">{% if r.needs_data %}{% if r.needs_extra|length < r.needs_data|length %}<span class="pm-muted">{{ word('audit.same_as_legend') }}</span>{% if r.needs_extra %}<br>{{ word('audit.also_needs') }}{% endif %}{% endif %}{% if r.needs_extra %}<span class="pm-missing-list">{{ r.needs_extra|join(t('、', '; ')) }}</span>{% endif %}
{% if check_href and r.ruleset %}<div><a class="pm-button pm-supply" href="{{ check_href }}?zone={{ r.id|urlencode }}{% if lang == 'en' %}&amp;lang=en{% endif %}">{{ word('audit.supply_values') }}</a></div>{% endif %}{% elif not r.given %}<span class="pm-muted">—</span>{% endif %}
{% if r.given %}<div class="pm-given"><span class="pm-given-head">{{ word('values.given') }}</span>
{% for group in r.given %}<div class="pm-given-{{ group.kind }}"><span class="pm-origin">{{ group.origin }}</span><ul>
{% for v in group['items'] %}<li data-attribute="{{ v.name }}">{{ v.title }}{{ t('：', ': ') }}<strong>{{ v.text }}</strong></li>{% endfor %}
</ul></div>{% endfor %}</div>{% endif %}
{% if values_endpoint and r.fields %}<button type="button" class="pm-values-open" hidden>{{ word('values.form_open') }}</button>{% endif %}</td>
<td class="pm-num">{% if r.accuracy_m is not none %}±{{ number(r.accuracy_m, 0) }}{% else %}—{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
</section>
{% else %}
<p class="pm-note">{{ t('本规划没有可核查的区域（没有设置 zone_kind 的图层）。', 'This plan has no zones to audit (no layer with a zone_kind).') }}</p>
{% endfor %}
{% for f in forms %}<template id="pm-values-form-{{ f.ruleset }}"><form class="pm-values-form" data-ruleset="{{ f.ruleset }}" novalidate>
<div class="pm-values-fields">
{% for a in f.fields %}<div class="pm-attribute pm-attribute-{{ a.type }}" data-field="{{ a.name }}">
{% if a.type == 'array' and a.choices %}<fieldset data-attribute="{{ a.name }}" data-type="multi"><legend>{{ a.title }}</legend>
{% for value, label in a.choices %}<label class="pm-check"><input type="checkbox" value="{{ value }}"> {{ label }}</label>{% endfor %}</fieldset>
{% elif a.type == 'boolean' %}<label>{{ a.title }} <select data-attribute="{{ a.name }}" data-type="boolean"><option value="">{{ word('form.unset') }}</option><option value="true">{{ word('form.yes') }}</option><option value="false">{{ word('form.no') }}</option></select></label>
{% elif a.choices %}<label>{{ a.title }} <select data-attribute="{{ a.name }}" data-type="choice"><option value="">{{ word('form.unset') }}</option>{% for value, label in a.choices %}<option value="{{ value }}">{{ label }}</option>{% endfor %}</select></label>
{% else %}<label>{{ a.title }} <input type="text"{% if a.type in ('number', 'integer', 'fraction') %} inputmode="decimal"{% endif %} data-attribute="{{ a.name }}" data-type="{{ a.type }}" placeholder="{{ a.hint }}" autocomplete="off">{% if a.type == 'fraction' %} %{% endif %}</label>
{% endif %}<div class="pm-field-error" role="alert" hidden></div></div>
{% endfor %}</div>
<label class="pm-values-note">{{ word('values.note') }} <input type="text" name="note" maxlength="2000" autocomplete="off"></label>
<button type="submit">{{ word('values.save') }}</button> <span class="pm-values-message" role="status"></span>
</form></template>{% endfor %}
<p class="pm-note">{{ attribution }}</p>
</main>
{{ script|safe }}
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False)
_COMPILED: dict[str, jinja2.Template] = {}


def render(template: str, lang: str = "zh", **context) -> str:
    """Render one of the templates above (autoescaped) with a ``t(zh, en)`` helper for the page language and
    ``word(key)`` for the words of :mod:`maps.vocabulary`."""
    compiled = _COMPILED.get(template)
    if compiled is None:
        compiled = _COMPILED[template] = _ENV.from_string(template)
    return compiled.render(t=lambda zh, en: en if lang == "en" else zh, lang=lang,
                           word=lambda key: vocabulary.word(key, lang), **context)
