#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks that a6300-props.json says what tests/data/sony/README.md says it
says (the ILCE-6300 property listing; convert.py --check proves it is the
conversion of its excerpt, this proves the conversion kept the facts the
emulated camera's property table is built from). Exits non-zero on the
first disagreement."""
import json
import os
import sys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    doc = json.load(open(os.path.join(here, "a6300-props.json")))
    dev = doc["device"]
    assert dev["cameramodel"] == "ILCE-6300", dev
    assert dev["manufacturer"] == "Sony Corporation", dev
    assert dev["vendorextension"] == "Sony PTP Extensions", dev
    assert dev["deviceversion"] == "1.0", dev
    props = {p["code"]: p for p in doc["properties"]}
    assert len(props) == len(doc["properties"]) == 37, len(props)
    # the listing order, which is the order the 0x9202 reply gave gphoto2
    assert [p["code"] for p in doc["properties"]][:3] == ["0x5004", "0x5005", "0x5007"]
    controls = [c for c in props if int(c, 16) >= 0xD2C1]
    assert sorted(controls) == ["0xD2C1", "0xD2C2", "0xD2C3", "0xD2C5", "0xD2C7",
                                "0xD2C8", "0xD2C9"], controls
    for c in controls:
        assert props[c]["values"] == [1, 2] and props[c]["current"] == 1, props[c]
    # enumerations and currents as printed
    assert props["0x5004"]["values"] == [2, 3, 4, 16, 19]
    assert props["0x5004"]["current"] == 16
    assert props["0xD221"]["values"] == [0, 1, 2] and props["0xD221"]["current"] == 0
    assert props["0xD218"]["values"] == list(range(-1, 101))
    assert props["0xD218"]["current"] == -1
    assert len(props["0xD21E"]["values"]) == 86
    assert props["0xD21E"]["values"][0] == 0xFFFFFF
    assert props["0xD210"]["values"] == list(range(164, 221))
    # a current value the enumeration does not list is kept, and flagged
    assert props["0x5005"]["current"] == 0
    assert props["0x5005"]["current_in_values"] is False
    # ranges; a bound gphoto2 printed lossily stays text
    d20f = props["0xD20F"]
    assert (d20f["form"], d20f["min"], d20f["max"], d20f["step"]) == ("range", 2500, 9900, 100)
    d21c = props["0xD21C"]
    assert (d21c["min"], d21c["max"], d21c["step"], d21c["current"]) == (164, 220, 2, 192)
    assert props["0xD20D"]["max"] == {"printed": "4.29497e+09"}
    assert props["0xD214"]["current"] == {"printed": "3.39118e+07"}
    for p in doc["properties"]:
        assert p["form"] in ("enum", "range"), p
    print("ok a6300-props.json: %d properties, %d named widgets"
          % (len(props), len(doc["widgets"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
