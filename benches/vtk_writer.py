"""VTK's side of `benches/vtk_writer.rs`: builds the same data sets as the
Rust side from the same closed forms, writes them with vtkHDFWriter and
prints one JSON line of timings.

    python benches/vtk_writer.py image PATH N REPS
    python benches/vtk_writer.py ug PATH N REPS LEVEL

`image`: an N^3 vtkImageData with one float64 point array "Field",
uncompressed. `ug`: an N^3 block of hexahedra split into 5 tetrahedra each
((N+1)^3 points), point arrays "Temperature" (float64) and "Velocity"
(float64, 3 components), cell array "Region" (int32), written with
`SetCompressionLevel(LEVEL)`.

Only `writer.Write()` is timed (best of REPS); building the data set is
not. `sync` adds an fsync of the finished file, as a commit of the Rust
crate ends with one. Output keys: best, best_sync (seconds), cpu (the
least CPU seconds of a `Write()`, all threads), size (bytes),
hwm_kib (peak RSS of this process), base_kib (peak RSS before the data was
built: Python + numpy + vtk).

All values come from integer arithmetic and exactly rounded IEEE operations
(one division, one multiplication, one addition), so the Rust side computes
the same bits.
"""

import json
import os
import sys
import time

import numpy as np
import vtk
from vtk.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray

M32 = np.uint64(0xFFFFFFFF)
MUL = np.uint64(2654435761)


def hwm_kib():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
    with open("/proc/self/status") as f:
        return int(f.read().split("VmHWM:")[1].split()[0])


def bits2(u):
    """Two pseudo-random bits of each (non-negative) integer in `u`."""
    return ((u.astype(np.uint64) * MUL) & M32) >> np.uint64(30)


def image_field(n, z0, z1):
    """Slices z0..z1 of the image's point values, shape (z1-z0, n, n)."""
    z = np.arange(z0, z1, dtype=np.int64)[:, None, None]
    y = np.arange(n, dtype=np.int64)[None, :, None]
    x = np.arange(n, dtype=np.int64)[None, None, :]
    d = (x * 7 + y * 3 + z * 5) % 2000 - 1000
    q = bits2((z * n + y) * n + x)
    return (d * d).astype(np.float64) / 10000.0 + q.astype(np.float64) * 0.25


def build_image(n):
    a = np.empty((n, n, n), dtype=np.float64)
    for z0 in range(0, n, 32):
        z1 = min(n, z0 + 32)
        a[z0:z1] = image_field(n, z0, z1)
    img = vtk.vtkImageData()
    img.SetDimensions(n, n, n)
    img.SetOrigin(0.0, 0.0, 0.0)
    s = 1.0 / (n - 1)
    img.SetSpacing(s, s, s)
    arr = numpy_to_vtk(a.reshape(-1), deep=0)
    arr.SetName("Field")
    # AddArray, not SetScalars: no active-attribute marker, like the Rust side.
    img.GetPointData().AddArray(arr)
    return img, a


# Tetrahedra of a hexahedron (VTK corner order 0..7), by parity of i+j+k,
# so that neighbouring hexahedra share face diagonals.
TETS_EVEN = [[0, 1, 3, 4], [2, 1, 3, 6], [5, 1, 4, 6], [7, 3, 4, 6], [1, 3, 4, 6]]
TETS_ODD = [[1, 0, 2, 5], [3, 0, 2, 7], [4, 0, 5, 7], [6, 2, 5, 7], [0, 2, 5, 7]]


def build_ug(n):
    m = n + 1
    k, j, i = np.meshgrid(np.arange(m), np.arange(m), np.arange(m), indexing="ij")
    i, j, k = (v.reshape(-1).astype(np.int64) for v in (i, j, k))
    p = (k * m + j) * m + i
    jitter = 1.0 / 1048576.0
    pts = np.empty((m**3, 3), dtype=np.float64)
    for c, v in enumerate((i, j, k)):
        pts[:, c] = v.astype(np.float64) / float(n) + bits2(p * 3 + c).astype(np.float64) * jitter
    d = (i * 7 + j * 3 + k * 5) % 2000 - 1000
    temp = (d * d).astype(np.float64) / 10000.0 + bits2(p).astype(np.float64) * 0.25
    vel = np.empty((m**3, 3), dtype=np.float64)
    for c in range(3):
        t = (i * (c + 2) + j * (5 - c) + k * 3) % 1000
        vel[:, c] = t.astype(np.float64) / 1000.0 + bits2(p * 3 + c).astype(np.float64) * 0.125
    del i, j, k, p, d

    k, j, i = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    i, j, k = (v.reshape(-1).astype(np.int64) for v in (i, j, k))
    base = (k * m + j) * m + i
    corners = np.stack(
        [base, base + 1, base + m + 1, base + m,
         base + m * m, base + m * m + 1, base + m * m + m + 1, base + m * m + m],
        axis=1,
    )
    odd = ((i + j + k) % 2 == 1)[:, None, None]
    sel = np.where(odd, np.array(TETS_ODD)[None], np.array(TETS_EVEN)[None])  # (nh, 5, 4)
    conn = np.take_along_axis(corners[:, None, :].repeat(5, axis=1), sel, axis=2).reshape(-1)
    region = ((i // 10 + j // 10 + k // 10) % 8).astype(np.int32).repeat(5)
    del corners, sel, odd, base, i, j, k
    ncells = 5 * n**3
    offsets = np.arange(ncells + 1, dtype=np.int64) * 4
    conn = np.ascontiguousarray(conn, dtype=np.int64)

    ug = vtk.vtkUnstructuredGrid()
    points = vtk.vtkPoints()
    points.SetData(numpy_to_vtk(pts, deep=0))
    ug.SetPoints(points)
    cells = vtk.vtkCellArray()
    cells.SetData(numpy_to_vtkIdTypeArray(offsets, deep=0), numpy_to_vtkIdTypeArray(conn, deep=0))
    ug.SetCells(vtk.VTK_TETRA, cells)
    keep = [pts, offsets, conn]
    for name, a, cd in (("Temperature", temp, False), ("Velocity", vel, False), ("Region", region, True)):
        va = numpy_to_vtk(a, deep=0)
        va.SetName(name)
        (ug.GetCellData() if cd else ug.GetPointData()).AddArray(va)
        keep.append(a)
    return ug, keep


def fsync(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


def main():
    kind, path, n, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    level = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    base = hwm_kib()
    if kind == "image":
        data, keep = build_image(n)
    elif kind == "ug":
        data, keep = build_ug(n)
    else:
        sys.exit(f"unknown kind {kind!r}")
    best, best_sync, cpu = 1e9, 1e9, 1e9
    for _ in range(reps):
        if os.path.exists(path):
            os.remove(path)
        w = vtk.vtkHDFWriter()
        w.SetFileName(path)
        w.SetInputData(data)
        if level:
            w.SetCompressionLevel(level)
        c = time.process_time()
        t = time.perf_counter()
        ok = w.Write()
        t1 = time.perf_counter()
        c1 = time.process_time()
        fsync(path)
        t2 = time.perf_counter()
        if ok != 1 or w.GetErrorCode() != 0:
            sys.exit(f"vtkHDFWriter failed on {path} (Write() = {ok}, error code {w.GetErrorCode()})")
        best, best_sync, cpu = min(best, t1 - t), min(best_sync, t2 - t), min(cpu, c1 - c)
        del w
    del keep
    print(json.dumps({
        "best": best,
        "best_sync": best_sync,
        "cpu": cpu,
        "size": os.path.getsize(path),
        "hwm_kib": hwm_kib(),
        "base_kib": base,
    }))


if __name__ == "__main__":
    main()
