# SPDX-License-Identifier: LGPL-2.1-or-later
"""Strict reader of a `gphoto2 --list-all-config` excerpt (src/NAME.config)
into a structured property listing (NAME.json).

The excerpt is a run of widgets, each

    /main/SECTION/NAME
    Label: TEXT
    Type: TEXT|TOGGLE|RADIO|MENU|RANGE
    Current: VALUE
    Choice: 0 VALUE          (RADIO, MENU: indices 0, 1, 2... in order)
    Bottom: N / Top: N / Step: N   (RANGE: all three, in that order)

ended by the shell prompt line "$". Any other line, an index out of order,
a RANGE without its three bounds, or a choice on a widget that takes none
stops the conversion with the line number.

What goes out:
- "device": the /main/status texts (DeviceInfo strings as gphoto2 shows
  them);
- "properties": every /main/other/XXXX widget, i.e. one device property
  with its raw values as gphoto2 printed them: code, label, form ("enum"
  for MENU, "range" for RANGE), current value, the enumeration in listing
  order or min/max/step. A number printed in a lossy form (gphoto2 prints
  floats with 6 significant digits, "4.29497e+09") is kept as the printed
  text under {"printed": ...}, never rounded back to an integer;
- "widgets": the other widgets (gphoto2's own named renderings of the same
  properties) with label, type, current and choices as printed text.
"""
import re

PATH = re.compile(r"^/main/([a-z]+)/([A-Za-z0-9_-]+)$")
FIELD = re.compile(r"^(Label|Type|Current|Bottom|Top|Step): (.*)$")
CHOICE = re.compile(r"^Choice: (\d+) (.*)$")
INTEGER = re.compile(r"^-?\d+$")
CODE = re.compile(r"^[0-9a-f]{4}$")
TYPES = ("TEXT", "TOGGLE", "RADIO", "MENU", "RANGE")


class Bad(Exception):
    pass


def number(text):
    return int(text) if INTEGER.match(text) else {"printed": text}


def widgets(path):
    lines = open(path, encoding="ascii").read().split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[-1] != "$":
        raise Bad("%s: the listing does not end with the prompt line '$'" % path)
    out, cur = [], None
    for n, text in enumerate(lines[:-1], 1):
        m = PATH.match(text)
        if m:
            cur = {"section": m.group(1), "name": m.group(2), "line": n,
                   "fields": {}, "choices": []}
            out.append(cur)
            continue
        if cur is None:
            raise Bad("%s: line %d: text before the first widget" % (path, n))
        m = CHOICE.match(text)
        if m:
            if int(m.group(1)) != len(cur["choices"]):
                raise Bad("%s: line %d: choice %s, expected %d"
                          % (path, n, m.group(1), len(cur["choices"])))
            cur["choices"].append(m.group(2))
            continue
        m = FIELD.match(text)
        if not m or m.group(1) in cur["fields"]:
            raise Bad("%s: line %d: not a widget line (or a repeated field): %r"
                      % (path, n, text))
        cur["fields"][m.group(1)] = m.group(2)
    for w in out:
        where = "%s: widget at line %d" % (path, w["line"])
        f = w["fields"]
        if list(f)[:2] != ["Label", "Type"] or f["Type"] not in TYPES:
            raise Bad("%s: needs Label then a known Type" % where)
        rng = [k for k in ("Bottom", "Top", "Step") if k in f]
        if f["Type"] == "RANGE":
            if rng != ["Bottom", "Top", "Step"] or w["choices"]:
                raise Bad("%s: a RANGE needs Bottom, Top, Step and no choices" % where)
        elif rng:
            raise Bad("%s: bounds on a %s widget" % (where, f["Type"]))
        if w["choices"] and f["Type"] not in ("RADIO", "MENU"):
            raise Bad("%s: choices on a %s widget" % (where, f["Type"]))
    return out


def property_of(w, where):
    f = w["fields"]
    if not CODE.match(w["name"]):
        raise Bad("%s: /main/other/%s is not a property code" % (where, w["name"]))
    p = {"code": "0x" + w["name"].upper(), "label": f["Label"], "widget": f["Type"]}
    if "Current" in f:
        p["current"] = number(f["Current"])
    if f["Type"] == "MENU":
        p["form"] = "enum"
        p["values"] = [number(c) for c in w["choices"]]
        if any(isinstance(v, dict) for v in p["values"]):
            raise Bad("%s: a non-integer enumeration value" % where)
        if "current" in p:
            p["current_in_values"] = p["current"] in p["values"]
    elif f["Type"] == "RANGE":
        p["form"] = "range"
        p["min"], p["max"], p["step"] = (number(f[k]) for k in ("Bottom", "Top", "Step"))
    else:
        raise Bad("%s: a %s widget under /main/other" % (where, f["Type"]))
    return p


def convert(path, provenance):
    device, props, named = {}, [], []
    for w in widgets(path):
        where = "%s: widget at line %d" % (path, w["line"])
        if w["section"] == "status":
            device[w["name"]] = w["fields"].get("Current", "")
        elif w["section"] == "other":
            props.append(property_of(w, where))
        else:
            named.append({"path": "/main/%s/%s" % (w["section"], w["name"]),
                          "label": w["fields"]["Label"], "type": w["fields"]["Type"],
                          "current": w["fields"].get("Current"),
                          "choices": w["choices"]})
    return {"source": provenance, "device": device, "properties": props,
            "widgets": named}
