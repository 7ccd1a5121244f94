#!/usr/bin/env python3
"""Reads VTKHDF files with VTK's vtkHDFReader, each in its own process, and
prints one JSON line per file:

  {"file": NAME, "ok": BOOL, "returncode": INT, "errors": [...], "hdf5": [...]}

"ok" is true when the reading process exited normally and VTK reported no
error ("ERR|" lines). "errors" holds VTK's error messages (without the log
prefix; the generic pipeline failure line only when it is the sole one);
"hdf5" holds the innermost HDF5 diagnostics. A process killed by a signal
(VTK aborts or segfaults on some files) has a negative returncode.

usage: vtk_read_errors.py FILE...
"""

import json
import os
import re
import subprocess
import sys

CHILD = r"""
import sys, vtk
r = vtk.vtkHDFReader()
r.SetFileName(sys.argv[1])
r.Update()
o = r.GetOutputDataObject(0)
print("OUTPUT", o.GetClassName() if o is not None else "None", flush=True)
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ERR = re.compile(r"ERR\|\s*(?:\S+ \(0x[0-9a-f]+\)|\(nullptr\)):\s*(.*)$")


def probe(path):
    try:
        p = subprocess.run(
            [sys.executable, "-c", CHILD, path],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=120,
        )
        rc, text = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        rc, text = -9, "timeout"
    text = ANSI.sub("", text)
    errors, hdf5, failed = [], [], False
    for line in text.splitlines():
        m = ERR.search(line)
        if m:
            failed = True
            msg = m.group(1).strip()
            if "returned failure for request" not in msg:
                errors.append(msg)
        elif re.match(r"\s*#\d+: .* in \S+\(\): ", line):
            hdf5.append(line.split("(): ", 1)[1].strip())
    if failed and not errors:
        errors.append("vtkHDFReader returned failure (no message)")
    return {
        "file": os.path.basename(path),
        "ok": rc == 0 and not failed,
        "returncode": rc,
        "errors": errors,
        "hdf5": hdf5[-2:],
    }


def main():
    for path in sys.argv[1:]:
        print(json.dumps(probe(path)), flush=True)


if __name__ == "__main__":
    main()
