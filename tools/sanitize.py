"""No live student script in any page an instructor or student opens.

`SanitizeOutputs` (an nbgrader/nbconvert preprocessor, run on every autograded notebook
and again before feedback is rendered) keeps of every output only what cannot carry
script: text, PNG and JPEG images, and HTML cleaned by bleach (a safelist of tags and
attributes, no script, no event handlers, no javascript: URLs). SVG, JavaScript,
Markdown, LaTeX, widget views and any other kind are replaced by their text/plain form
(or a note). Of an output's metadata only what nbconvert's templates read for an image
is kept, and only as numbers, booleans or text (the templates write an image's width and
height unquoted into the page). Markdown cells are checked as nbconvert will render
them: a cell holding raw HTML has that HTML cleaned the same way, and a cell whose
rendering still holds a link to javascript: (or any scheme but http, https and mailto)
is shown as text. Cell attachments other than PNG/JPEG are dropped, and the notebook's
widget state is removed.
"""
import functools
import html as _html
import re
from numbers import Real

import bleach
from bleach.css_sanitizer import CSSSanitizer
from bleach.html5lib_shim import HTMLParser
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.preprocessors import NbGraderPreprocessor

TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl",
        "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
        "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"*": ["class", "title", "style"], "a": ["href"], "img": ["src", "alt", "width", "height"],
              "td": ["colspan", "rowspan", "align"], "th": ["colspan", "rowspan", "align"]}
PROTOCOLS = ["http", "https", "mailto"]
SAFE_DATA = ("text/plain", "image/png", "image/jpeg")
IMAGES = ("image/png", "image/jpeg")
_CSS = CSSSanitizer()


def clean_html(html: str) -> str:
    return bleach.clean(html, tags=TAGS, attributes=ATTRIBUTES, protocols=PROTOCOLS, strip=True,
                        css_sanitizer=_CSS)


def _text(value) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def clean_metadata(meta) -> dict:
    """What nbconvert's templates read of an image output's metadata, with safe types."""
    kept = {}
    for mime in IMAGES:
        md = meta.get(mime) if isinstance(meta, dict) else None
        if not isinstance(md, dict):
            continue
        safe = {k: md[k] for k in ("width", "height")
                if isinstance(md.get(k), Real) and not isinstance(md.get(k), bool)}
        if isinstance(md.get("unconfined"), bool):
            safe["unconfined"] = md["unconfined"]
        if isinstance(md.get("alt"), str):
            safe["alt"] = md["alt"]
        if safe:
            kept[mime] = safe
    return kept


def clean_output(out) -> None:
    kind = out.get("output_type")
    if kind == "stream":
        out["text"] = _text(out.get("text", ""))
        return
    if kind == "error":
        out["ename"], out["evalue"] = str(out.get("ename", "")), str(out.get("evalue", ""))
        tb = out.get("traceback", [])
        out["traceback"] = [str(t) for t in tb] if isinstance(tb, list) else [str(tb)]
        return
    if kind not in ("display_data", "execute_result"):
        return
    data = out.get("data", {})
    data = data if isinstance(data, dict) else {}
    kept = {k: _text(v) if k == "text/plain" else v for k, v in data.items()
            if k in SAFE_DATA and isinstance(v, (str, list))}
    if "text/html" in data:
        kept["text/html"] = clean_html(_text(data["text/html"]))
    if not kept:
        dropped = ", ".join(sorted(map(str, data))) or "nothing"
        kept["text/plain"] = f"[an output of type {dropped} was removed: it could carry script]"
    out["data"] = kept
    out["metadata"] = clean_metadata(out.get("metadata", {}))
    if kind == "execute_result" and not (isinstance(out.get("execution_count"), int)
                                         and not isinstance(out.get("execution_count"), bool)):
        out["execution_count"] = None


# --- markdown cells --------------------------------------------------------------------

_URI_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "data", "poster", "background", "cite",
                   "longdesc", "ping", "xlink:href", "codebase", "dynsrc", "lowsrc"}
_LIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base",
              "meta", "link", "style", "form", "template", "noscript"}
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_DATA_IMAGE = re.compile(r"\s*data:image/(png|jpeg)[;,]", re.IGNORECASE)  # an attachment, inlined


def _scheme(url: str) -> str | None:
    """The scheme a browser sees in a URL (it drops tabs and newlines, and leading
    spaces and control characters), or None for a relative URL."""
    url = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33))))
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else None


def _local(name) -> str:
    """'{http://www.w3.org/1999/xlink}href' -> 'href'; 'IMG' -> 'img'."""
    return name.rsplit("}", 1)[-1].lower() if isinstance(name, str) else ""


def html_problems(html: str) -> list[str]:
    """What in this HTML could run script: live tags, event handlers, script URLs. The
    HTML is parsed as a browser parses it (html5lib, the parser bleach uses)."""
    problems = []
    for el in HTMLParser(namespaceHTMLElements=False).parseFragment(html).iter():
        tag = _local(el.tag)
        if tag in _LIVE_TAGS:
            problems.append(f"<{tag}>")
        for name, value in el.attrib.items():
            name = _local(name)
            if name.startswith("on"):
                problems.append(f"{name}=")
            elif name in _URI_ATTRIBUTES:
                scheme = _scheme(value)
                image = tag == "img" and name == "src" and _DATA_IMAGE.match(value)
                if scheme is not None and scheme not in PROTOCOLS and not image:
                    problems.append(f"{name}={scheme}:")
    return problems


def render_markdown(source: str, attachments=None, escape: bool = False) -> str:
    """A markdown cell as nbconvert's HTML exporter renders it (escape=True: with raw
    HTML shown as text)."""
    renderer = IPythonRenderer(escape=escape, attachments=dict(attachments or {}))
    return MarkdownWithMath(renderer=renderer).render(source)


def clean_markdown(source: str, attachments=None) -> str:
    """The cell's source if it renders safe; its raw HTML cleaned if that makes it safe;
    else the whole cell as text."""
    if not attachments and isinstance(source, str) and len(source) <= 8_000:
        return _clean_plain_markdown(source)  # most cells are the release's, in every submission
    return _clean_markdown(source, attachments)


@functools.lru_cache(maxsize=512)  # the release's cells, a few KB each
def _clean_plain_markdown(source: str) -> str:
    return _clean_markdown(source, None)


def _clean_markdown(source: str, attachments) -> str:
    as_text = "<pre>" + _html.escape(source) + "</pre>"
    try:
        if render_markdown(source, attachments) != render_markdown(source, attachments, escape=True):
            source = clean_html(source)  # the cell holds raw HTML
        # else plain markdown, kept as written (math such as $j < n$ stays as it is)
        return as_text if html_problems(render_markdown(source, attachments)) else source
    except Exception:  # noqa: BLE001 - e.g. a missing attachment: nbconvert would fail on it
        return as_text


class SanitizeOutputs(NbGraderPreprocessor):
    """Make every output and markdown cell of a notebook safe to show in a browser."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                clean_output(out)
            attachments = cell.get("attachments")
            if attachments:
                for name in list(attachments):
                    bundle = attachments[name]
                    attachments[name] = {k: v for k, v in bundle.items() if k in IMAGES and isinstance(v, str)} \
                        if isinstance(bundle, dict) else {}
                    if not attachments[name]:
                        del attachments[name]
            if cell.cell_type == "markdown":
                cell.source = clean_markdown(cell.source, cell.get("attachments"))
        return nb, resources
