"""The edge of the server: every callback request is checked before Dash reads it.

A browser sends ``POST /_dash-update-component`` with a JSON body naming the
callback (``output``), its ``outputs``, ``inputs`` and ``state`` (each an
``{"id", "property", "value"}``, or a list of them for a pattern), and the
inputs that fired (``changedPropIds``). Anything may arrive there: this module
answers 400 with a plain sentence, before Dash sees the body, when

- the body is larger than `MAX_BODY` bytes, is not JSON, or nests deeper than
  `MAX_DEPTH` (a 5 000-deep array would raise RecursionError further on);
- it names no registered callback, or its inputs, state and outputs do not
  have the ids and properties that callback declares;
- it asks for a start map with a query that is not canonical
  (`state.startmap_query` of itself): the page only ever sends canonical
  ones, so anything else is crafted, and starts no job.

What passes is well formed; the callbacks then check each value's type
(`callbacks._state_from`, `background.start_map_job`). Whatever still fails
is logged with its traceback, and the answer is a plain sentence with no
exception text (`install`'s error handler).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
from typing import Any

import flask
from werkzeug.exceptions import HTTPException

from . import ids

__all__ = ["MAX_BODY", "MAX_DEPTH", "check_request", "install"]
log = logging.getLogger("gradscape")

#: Largest callback body accepted, in bytes (the page's largest is a few tens of kB).
MAX_BODY = 2_000_000
#: Deepest nesting of lists and objects accepted in a callback body (the page's is < 12).
MAX_DEPTH = 40
#: The answer to a request that failed on the server (the details are in the log).
FAILED = "The server could not handle that request; the details are in its log."


class RequestError(Exception):
    """A callback request refused at the edge: the message says why, in plain words."""


def _depth_ok(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `obj` nests lists and dicts at most `limit` deep (iteratively: no recursion)."""
    stack = [(obj, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        if d > limit:
            return False
        stack.extend((x, d + 1) for x in item)
    return True


def _loads(raw: bytes) -> Any:
    if len(raw) > MAX_BODY:
        raise RequestError(f"The request is too large (over {MAX_BODY:,} bytes).")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise RequestError("The request is not valid JSON.") from None
    if not _depth_ok(body):
        raise RequestError(f"The request nests deeper than {MAX_DEPTH} levels.")
    return body


def _pattern(spec_id: str) -> dict | None:
    return json.loads(spec_id) if spec_id.startswith("{") else None


def _id_matches(pattern: dict, cid: Any) -> bool:
    if not isinstance(cid, dict) or set(cid) != set(pattern):
        return False
    for k, v in pattern.items():
        if isinstance(v, list):  # a wildcard: ALL, MATCH, ALLSMALLER
            if not isinstance(cid[k], (str, int, float, bool)) or isinstance(cid[k], bool):
                return False
        elif cid[k] != v:
            return False
    return True


def _entry_ok(entry: Any, spec: dict, with_value: bool) -> bool:
    prop = spec["property"].split("@")[0]
    pattern = _pattern(spec["id"])

    def one(e: Any) -> bool:
        if not isinstance(e, dict) or not isinstance(e.get("property"), str):
            return False
        if e["property"].split("@")[0] != prop:  # an output may carry Dash's "@<hash>"
            return False
        if pattern is None and e.get("id") != spec["id"]:
            return False
        return not (pattern is not None and not _id_matches(pattern, e.get("id")))

    if pattern is not None and any(v == ["ALL"] or v == ["ALLSMALLER"] for v in pattern.values()):
        return isinstance(entry, list) and all(one(e) for e in entry)
    return one(entry)


def _specs(raw: Any) -> list[dict]:
    return [{"id": s["id"], "property": s["property"]} for s in raw or []]


def _output_specs(text: str) -> list[dict]:
    parts = text[2:-2].split("...") if text.startswith("..") else [text]
    specs = []
    for p in parts:
        if "." not in p:
            return []
        cid, prop = p.rsplit(".", 1)
        specs.append({"id": cid, "property": prop})
    return specs


def _prop_id(e: dict) -> str:
    cid = e["id"]
    name = json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else cid
    return f"{name}.{e['property']}"


def _normal(prop_id: str) -> str:
    """A changed input's name with its id's keys in order, as `_prop_id` writes it."""
    if not prop_id.startswith("{"):
        return prop_id
    name, _, prop = prop_id.rpartition(".")
    try:
        cid = json.loads(name)
    except ValueError:
        return prop_id
    if not isinstance(cid, dict):
        return prop_id
    return f"{json.dumps(cid, sort_keys=True, separators=(',', ':'))}.{prop}"


def check_request(body: Any, callback_map: dict) -> None:
    """Raise `RequestError` unless `body` is a well-formed request for a registered callback."""
    if not isinstance(body, dict):
        raise RequestError("A callback request is a JSON object.")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise RequestError("The request names no callback of this app.")
    cb = callback_map[output]
    for key, with_value in (("inputs", True), ("state", True)):
        entries = body.get(key, [])
        specs = _specs(cb.get(key))
        if not isinstance(entries, list) or len(entries) != len(specs):
            raise RequestError(f"The request's {key} do not match its callback.")
        for e, s in zip(entries, specs, strict=False):
            if not _entry_ok(e, s, with_value):
                raise RequestError(f"The request's {key} do not match its callback.")
    outs = body.get("outputs")
    specs = _output_specs(output)
    if not cb.get("no_output"):
        outs_list = outs if output.startswith("..") else [outs]
        if not isinstance(outs_list, list) or len(outs_list) != len(specs):
            raise RequestError("The request's outputs do not match its callback.")
        for e, s in zip(outs_list, specs, strict=False):
            if not _entry_ok(e, {**s, "property": s["property"]}, False):
                raise RequestError("The request's outputs do not match its callback.")
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        raise RequestError("The request's changed inputs are not a list of names.")
    known = {
        _prop_id(e)
        for item in body.get("inputs", [])
        for e in (item if isinstance(item, list) else [item])
    }
    if not {_normal(c) for c in changed} <= known:
        raise RequestError("The request says an input changed that it does not carry.")
    _check_start_map(body, callback_map)


def _check_start_map(body: dict, callback_map: dict) -> None:
    """A start-map job only for a canonical request (or "", which stops the running one)."""
    entries = body["inputs"]
    if len(entries) != 1 or not isinstance(entries[0], dict):
        return
    if entries[0].get("id") != ids.STARTREQ:
        return
    query = entries[0].get("value")
    if query is None or query == "":
        return
    if not isinstance(query, str) or len(query) > 20_000:
        raise RequestError("A start-map request is a link's query.")
    from .state import parse, startmap_query

    state, notices = parse(query)
    if notices or startmap_query(state) != query:
        raise RequestError("That start-map request is not one the page makes; no job was started.")


# --------------------------------------------------------------------------- headers
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)


def frame_ancestors() -> str:
    """Who may show the app in a frame (CSP ``frame-ancestors``).

    ``GRADSCAPE_FRAME_ANCESTORS``: ``'self'`` by default (the app's own
    origin); a space-separated list of origins (``https://course.example.org``)
    to embed lessons in a course's pages; ``*`` for any page; ``'none'`` for
    no frame at all.
    """
    raw = os.environ.get("GRADSCAPE_FRAME_ANCESTORS", "").strip()
    allowed = re.fullmatch(r"[A-Za-z0-9:/.*'\- _\[\]]+", raw or "x")
    return raw if raw and allowed else "'self'"


def content_security_policy(html: str) -> str:
    """The page's Content-Security-Policy: its own scripts only, and its inline ones by hash.

    Scripts come from the server (Dash's bundles, assets/, the vendored
    plotly.js and KaTeX); the few inline scripts of the page (Dash's renderer
    start, the asset URLs) are allowed by their SHA-256, no others. Styles
    allow inline ones (Plotly sets style attributes and writes style
    elements); images allow ``data:`` and ``blob:`` (Plotly's exports); a
    frame is allowed by `frame_ancestors`.
    """
    hashes = sorted(
        {
            "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            for attrs, body in _INLINE_SCRIPT.findall(html)
            if "json" not in attrs.lower()  # data, not code
        }
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors()}",
        ]
    )


def _quiet_server_header() -> None:
    """Werkzeug's server names itself and Python with their versions in every ``Server``
    header (`BaseHTTPRequestHandler.send_response`): it says "Gradscape" instead.
    Waitress and gunicorn name themselves without a version already."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: "Gradscape"


def _is_callback_request() -> bool:
    return flask.request.method == "POST" and flask.request.path.endswith("/_dash-update-component")


def install(app: Any) -> None:
    """Check every callback request at the edge, and answer a plain sentence for any failure.

    Call after the Dash app is made: the check runs after Dash's own
    ``before_request`` (which fills ``app.callback_map``).
    """
    server: flask.Flask = app.server

    @server.before_request
    def _check_callback_request():
        if not _is_callback_request():
            return None
        try:
            check_request(_loads(flask.request.get_data(cache=True)), app.callback_map)
        except RequestError as err:
            log.info("refused a callback request: %s", err)
            return flask.Response(str(err) + "\n", status=400, mimetype="text/plain")
        return None

    _quiet_server_header()

    @server.before_request
    def _unknown_path():
        rule = flask.request.url_rule
        if rule is not None and rule.rule.endswith("<path:path>") and rule.endpoint == rule.rule:
            # Dash's catch-all would serve the page for any path: only its own paths do
            return flask.Response(
                "Nothing here: Gradscape's page is at /.\n", status=404, mimetype="text/plain"
            )
        return None

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        download = "attachment" in response.headers.get("Content-Disposition", "")
        if response.mimetype == "text/html" and not response.direct_passthrough and not download:
            response.headers["Content-Security-Policy"] = content_security_policy(
                response.get_data(as_text=True)
            )
        return response

    @server.errorhandler(Exception)
    def _failed(err: Exception):
        if isinstance(err, HTTPException):
            return err
        if server.debug:  # `gradscape --debug`: the developer sees the traceback
            raise err
        log.error("%s %s failed", flask.request.method, flask.request.path, exc_info=err)
        return flask.Response(FAILED + "\n", status=500, mimetype="text/plain")
