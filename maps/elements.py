"""Folium elements of the plan maps: a template each, assets declared in :mod:`maps.assets`."""

from __future__ import annotations

from typing import Any

from branca.element import Element, MacroElement
from folium.map import Layer
from folium.template import Template

from maps import vocabulary
from maps.data import js_json


class RawText(Element):
    """Text put into the page as it is: not compiled as a Jinja template (branca compiles what macros render,
    which for a megabyte of GeoJSON costs about a second)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class FastMacro(MacroElement):
    """A MacroElement whose rendered macros go into the page as text (branca would compile each as a template)."""

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        module = self._template.module
        for part in ("header", "html", "script"):
            macro = module.__dict__.get(part)
            if macro is not None:
                getattr(figure, part).add_child(RawText(str(macro(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class PageSetup(FastMacro):
    """Runs first on the map: page language, datum of the coordinates, panes (``planmap.init``), and the
    vocabulary of :mod:`maps.vocabulary` (``planmap.vocab``) that the runtime takes its words from."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        planmap.vocab = {{ this.vocab_json }};
        planmap.init({{ this._parent.get_name() }}, {{ this.config_json }});
        {% endmacro %}
    """)

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "PlanmapSetup"
        self.config_json = js_json(config)
        self.vocab_json = js_json(vocabulary.for_js())


class LayerData(MacroElement):
    """A layer's GeoJSON, written once into the page as a JS variable that layers refer to."""

    def __init__(self, geojson: str) -> None:
        super().__init__()
        self._name = "pm_data"
        self.geojson = geojson  # already script-safe (maps.data.js_json)

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        figure.script.add_child(RawText(f"var {self.get_name()} = {self.geojson};"), name=self.get_name())


class PlanLayer(FastMacro, Layer):
    """One catalogue layer drawn by ``planmap.geojson`` with the layer's style, tooltips and escaped popups."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = planmap.geojson({{ this.data.get_name() }}, {{ this.config_json }})
        {%- if this.show %}.addTo({{ this._parent.get_name() }}){% endif %};
        {% endmacro %}
    """)

    def __init__(self, data: LayerData, config: dict[str, Any], *, name: str, show: bool = True,
                 control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "pm_layer"
        self.data = data
        self.config_json = js_json(config)


class Legend(FastMacro):
    """The legend (escaped HTML from :data:`maps.templates.LEGEND`) in a map control; entries follow the layers."""

    _template = Template("""
        {% macro html(this, kwargs) %}{{ this.html }}{% endmacro %}
        {% macro script(this, kwargs) %}
        planmap.legend({{ this._parent.get_name() }}, {{ this.node_id|tojson }}, {
        {%- for layer_id, layer in this.layers.items() %}
            {{ layer_id|tojson }}: {{ layer.get_name() }},
        {%- endfor %}
        });
        {% endmacro %}
    """)

    def __init__(self, html: str, node_id: str, layers: dict[str, Layer]) -> None:
        super().__init__()
        self._name = "pm_legend"
        self.html = html
        self.node_id = node_id
        self.layers = layers


class BasemapControl(FastMacro):
    """Links that reload the page on another basemap (the data are re-projected server-side for GCJ-02)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        planmap.basemapControl({{ this._parent.get_name() }}, {{ this.choices_json }});
        {% endmacro %}
    """)

    def __init__(self, choices: list[dict[str, Any]]) -> None:
        super().__init__()
        self._name = "pm_basemaps"
        self.choices_json = js_json(choices)


class CheckTool(FastMacro):
    """Wires the Leaflet.Draw layer group and the panel form to ``POST /api/checks/site`` (``planmap.checkTool``)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        planmap.checkTool({{ this._parent.get_name() }}, {{ this.drawn.get_name() }}, {{ this.config_json }});
        {% endmacro %}
    """)

    def __init__(self, drawn: Layer, config: dict[str, Any]) -> None:
        super().__init__()
        self._name = "pm_check"
        self.drawn = drawn
        self.config_json = js_json(config)
