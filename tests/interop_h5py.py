#!/usr/bin/env python3
"""Reads a Taifeng archive with h5py (a reader we did not write) and prints what it finds as JSON.

Usage: interop_h5py.py ARCHIVE STORM_ID
Prints counts, root attributes, and the named storm's fixes, so the C++ test can compare them
with what taifeng itself loads. Uses only h5py and numpy (Debian python3-h5py)."""
import json
import sys

import h5py
import numpy as np


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def main():
    path, storm_id = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        storms, fixes = f["storms"], f["fixes"]
        ids = [text(x) for x in storms["id"][:]]
        i = ids.index(storm_id)
        first = int(storms["first_fix"][i])
        count = int(storms["fix_count"][i])
        sl = slice(first, first + count)
        lengths = {name: len(fixes[name]) for name in fixes}
        assert len(set(lengths.values())) == 1, lengths
        assert int(storms["fix_count"][:].sum()) == len(fixes["time"])
        assert (fixes["storm"][sl] == i).all()
        out = {
            "schema": text(f.attrs["schema"]),
            "schema_version": int(f.attrs["schema_version"]),
            "storms": len(ids),
            "fixes": int(len(fixes["time"])),
            "time_units": text(fixes["time"].attrs["units"]),
            "storm": {
                "name": text(storms["name"][i]),
                "season": int(storms["season"][i]),
                "agency": text(storms["agency"][i]),
                "time": [int(t) for t in fixes["time"][sl]],
                "lat": [float(v) for v in fixes["lat"][sl]],
                "lon": [float(v) for v in fixes["lon"][sl]],
                "wind_ms": [None if np.isnan(v) else float(v) for v in fixes["wind_ms"][sl]],
                "pressure_hpa": [None if np.isnan(v) else float(v) for v in fixes["pressure_hpa"][sl]],
                "radii_shape": list(fixes["wind_radii_km"].shape),
            },
            "filters": {
                "lat_compression": fixes["lat"].compression,
                "lat_shuffle": bool(fixes["lat"].shuffle),
                "lat_fletcher32": bool(fixes["lat"].fletcher32),
            },
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
