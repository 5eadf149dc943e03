"""Probe: mutated callback requests against the Flask test client; count 500s.

Builds a real request for every server callback from the app's own layout and
callback map (``/_dash-layout``, ``/_dash-dependencies``), as the browser would
send it, then sends N mutated copies (a value replaced by another JSON type, a
5 000-deep array, a key dropped, a body that is not an object, …) and counts:

- 500s (and other 5xx) out of N,
- answers that carry Python exception text (``TypeError:``, ``Traceback``…),
- start-map processes started for a start-map request with a mutated value.

Self-contained (it runs against an older checkout too)::

    python bench/probe_callbacks.py            # N = 600, seed 0
    python bench/probe_callbacks.py 1000 3     # N, seed
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

#: Python exception text that must never reach an answer.
EXCEPTION_TEXT = re.compile(
    r"Traceback \(most recent|\b(TypeError|KeyError|ValueError|AttributeError|IndexError|"
    r"RecursionError|UnboundLocalError|ZeroDivisionError|AssertionError)\b"
)
QUERIES = (
    "",
    "?surface=himmelblau&run1=adam&run2=sgd&t=0",
    "?mode=starts&surface=himmelblau&grid=20&steps=50&focus=1&t=0",
    "?surface=custom&expr=x**2%2B3*sin(y)&run1=adam&t=0",
    "?mode=compare&surface=quadratic&run1=sgd&rates=0.01,0.1&t=0",
)


def _components(node, out: dict) -> None:
    if isinstance(node, list):
        for n in node:
            _components(n, out)
    elif isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if "id" in props:
                key = json.dumps(props["id"], sort_keys=True)
                out[key] = (props["id"], props)
            for v in props.values():
                _components(v, out)


def _matches(pattern: dict, cid) -> bool:
    if not isinstance(cid, dict) or set(cid) != set(pattern):
        return False
    return all(isinstance(v, list) or cid[k] == v for k, v in pattern.items())


def _entries(spec: dict, comps: dict, with_value: bool = True):
    """The request's entry for one input/state/output: a dict, or a list for a pattern."""
    raw, prop = spec["id"], spec["property"]  # an output keeps its "@<hash>", as sent
    if raw.startswith("{"):
        pattern = json.loads(raw)
        found = [
            {"id": cid, "property": prop, **({"value": props.get(prop)} if with_value else {})}
            for cid, props in comps.values()
            if _matches(pattern, cid)
        ]
        if any(v == ["MATCH"] for v in pattern.values()):
            return found[0] if found else None
        return found
    props = comps.get(json.dumps(raw), (None, {}))[1]
    return {"id": raw, "property": prop, **({"value": props.get(prop)} if with_value else {})}


def _split_output(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for p in parts:
        cid, prop = p.rsplit(".", 1)
        out.append({"id": cid, "property": prop})
    return out


def base_requests(client) -> list[dict]:
    """One real request per server callback and link in `QUERIES` (not the clientside ones)."""
    deps = client.get("/_dash-dependencies").get_json()
    out = []
    for query in QUERIES:
        comps: dict = {}
        _components(client.get("/_dash-layout", headers={"Referer": "/" + query}).get_json(), comps)
        for dep in deps:
            if dep.get("clientside_function"):
                continue
            inputs = [_entries(s, comps) for s in dep["inputs"]]
            state = [_entries(s, comps) for s in dep["state"]]
            if any(e is None for e in inputs + state):
                continue
            outs = [_entries(s, comps, with_value=False) for s in _split_output(dep["output"])]
            if any(e is None for e in outs):
                continue
            body = {
                "output": dep["output"],
                "outputs": outs if dep["output"].startswith("..") else outs[0],
                "inputs": inputs,
                "state": state,
                "changedPropIds": [],
            }
            _fill(body, query)
            out.append(body)
    return out


def _fill(body: dict, query: str) -> None:
    """The values the browser would send: the link in url.search and the stores."""
    first = body["inputs"][0]
    for e in body["inputs"] + body["state"]:
        if isinstance(e, dict):
            if e["id"] == "url" and e["property"] == "search":
                e["value"] = query
            if e["id"] in ("state", "loaded") and e["property"] == "data":
                e["value"] = query.lstrip("?")
            if e["id"] == "startmap-request":
                from gradscape.app.state import parse, startmap_query  # what the page sends

                e["value"] = startmap_query(parse("surface=himmelblau&grid=20&steps=50")[0])
    if isinstance(first, dict):
        body["changedPropIds"] = [f"{first['id']}.{first['property']}"]
    elif first:
        body["changedPropIds"] = [
            f"{json.dumps(first[0]['id'], sort_keys=True, separators=(',', ':'))}.value"
        ]


def deep(n: int) -> str:
    return "[" * n + "]" * n


def _junk(rnd: random.Random, depth: int = 0):
    kind = rnd.randrange(11)
    if kind == 0:
        return None
    if kind == 1:
        return rnd.choice([True, False])
    if kind == 2:
        return rnd.randint(-(10**12), 10**12)
    if kind == 3:
        return rnd.choice([0.5, -1e308, 1e308, float("nan"), 3.0])
    if kind == 4:
        return rnd.choice(["", "x", "?" * 3, "surface=" + "a" * 2000, "%ZZ&=&&", "\u0000\ud7ff"])
    if kind == 5 and depth < 4:
        return [_junk(rnd, depth + 1) for _ in range(rnd.randrange(4))]
    if kind == 6 and depth < 4:
        return {rnd.choice(["t", "search", "id", "value", "x"]): _junk(rnd, depth + 1)}
    if kind == 7:
        return {"t": rnd.choice(["1", [1], 1.5, -3, 10**9])}
    if kind == 8:
        return ["surface=himmelblau"]
    if kind == 9:
        return {"points": [{"x": "a", "y": None}]}
    return rnd.choice(["?surface=custom&expr=sin(500*x*y)", "grid=999999&steps=9e9", "t=-1"])


def _slots(body: dict) -> list[tuple[list, int | str]]:
    """(container, key) of every value in the request's inputs and state."""
    out = []
    for e in body.get("inputs", []) + body.get("state", []):
        for one in e if isinstance(e, list) else [e]:
            if isinstance(one, dict) and "value" in one:
                out.append((one, "value"))
    return out


DEEP = object()  # a marker: this value is sent as 5 000-deep JSON


def mutate(base: dict, rnd: random.Random) -> str:
    """A mutated copy of `base`, as the JSON text of a request body."""
    body = copy.deepcopy(base)
    kind = rnd.randrange(10)
    slots = _slots(body)
    if kind <= 4 and slots:
        for _ in range(1 + (kind == 4) * 2):
            obj, key = rnd.choice(slots)
            obj[key] = _junk(rnd)
    elif kind == 5 and slots:
        obj, key = rnd.choice(slots)
        obj[key] = DEEP
    elif kind == 6:
        body.pop(rnd.choice(["output", "outputs", "inputs", "state", "changedPropIds"]), None)
    elif kind == 7:
        key = rnd.choice(["output", "outputs", "inputs", "state", "changedPropIds"])
        body[key] = _junk(rnd)
    elif kind == 8:
        entries = [e for e in body.get("inputs", []) if isinstance(e, dict)]
        if entries:
            e = rnd.choice(entries)
            e[rnd.choice(["id", "property"])] = _junk(rnd)
    else:
        return rnd.choice([deep(5000), "[1,2]", '"x"', "nul", "{", json.dumps(_junk(rnd))])
    text = json.dumps(body, allow_nan=True, default=lambda o: "__DEEP__")
    return text.replace('"__DEEP__"', deep(5000))


def send(client, body_text: str):
    return client.post(
        "/_dash-update-component",
        data=body_text,
        headers={"Content-Type": "application/json"},
    )


def _start_value(text: str):
    """The start-map request's value in a request body, or a marker where there is none."""
    try:
        return json.loads(text)["inputs"][0]["value"]
    except Exception:
        return "(unreadable)"


def job_processes() -> list:
    """The start-map processes this process started: children forked from it (the same
    command line; a browser or a server it started has its own)."""
    import psutil

    me = psutil.Process()
    out = []
    for p in me.children():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and p.cmdline() == me.cmdline():
                out.append(p)
        except psutil.Error:
            pass
    return out


def _kill_children() -> int:
    """Kill (and reap) the start-map processes this probe's requests started; how many."""
    import psutil

    kids = job_processes()
    for k in kids:
        with contextlib.suppress(psutil.NoSuchProcess):
            k.kill()
    psutil.wait_procs(kids, timeout=5)
    return len(kids)


def probe(n: int = 600, seed: int = 0) -> dict:
    from gradscape.app.server import create_app

    app = create_app()
    client = app.server.test_client()
    bases = base_requests(client)
    for b in bases:  # the unmutated requests work
        r = send(client, json.dumps(b))
        assert r.status_code in (200, 204), (b["output"][:60], r.status_code, r.data[:300])
    _kill_children()
    rnd = random.Random(seed)
    counts = {"requests": 0, "5xx": 0, "500": 0, "exception_text": 0, "jobs_for_bad_requests": 0}
    examples: list[str] = []
    for _ in range(n):
        base = rnd.choice(bases)
        text = mutate(base, rnd)
        r = send(client, text)
        counts["requests"] += 1
        body = r.get_data(as_text=True)
        if r.status_code >= 500:
            counts["5xx"] += 1
            counts["500"] += r.status_code == 500
            if len(examples) < 8:
                examples.append(f"{r.status_code} {base['output'][:40]} {text[:160]}")
        if EXCEPTION_TEXT.search(body):
            counts["exception_text"] += 1
        if _kill_children() and _start_value(text) != _start_value(json.dumps(base)):
            counts["jobs_for_bad_requests"] += 1
    counts["bases"] = len(bases)
    counts["examples"] = examples
    return counts


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.environ.setdefault("GRADSCAPE_CACHE_DIR", tempfile.mkdtemp(prefix="gs-probe-"))
    import logging

    logging.disable(logging.CRITICAL)  # the server log is not the probe's output
    sys.path.insert(0, str(Path.cwd()))
    c = probe(n, seed)
    print(
        f"{c['500']} of {c['requests']} mutated callback requests got HTTP 500 "
        f"({c['5xx']} any 5xx); {c['exception_text']} answers carried exception text; "
        f"{c['jobs_for_bad_requests']} start-map processes started for mutated requests "
        f"({c['bases']} base requests)"
    )
    for e in c["examples"]:
        print("  e.g.", e)


if __name__ == "__main__":
    main()
