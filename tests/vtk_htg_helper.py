"""Python side of tests/vtk_htg.rs (HyperTreeGrid).

    python helper.py VTK_DUMP_PY dump FILE [--full]   VTK's view of FILE (vtk_dump.py)
    python helper.py VTK_DUMP_PY build JSON [--full]  the same view of an in-memory
                                                      HyperTreeGrid series described by JSON
    python helper.py VTK_DUMP_PY gen DIR              random HyperTreeGrids written by
                                                      vtkHDFWriter
"""

import json
import os
import random
import sys

DUMP = sys.argv.pop(1)


def load_dump(argv):
    """Runs vtk_dump.py's definitions without its main(); partitions that
    are not vtkDataSets (HyperTreeGrids) are fetched as data objects."""
    src = open(DUMP).read()
    src = src.replace("d.GetPartition(i)", "d.GetPartitionAsDataObject(i)")
    # The reader puts the field data of partitioned data on the
    # vtkPartitionedDataSet itself.
    part = '"partitions": [dataset(d.GetPartitionAsDataObject(i)) for i in range(d.GetNumberOfPartitions())],'
    src = src.replace(part, part + ' "field_data": fields(d.GetFieldData()),')
    body, tail = src.rsplit("main()", 1)
    ns = {"__name__": "vtk_dump"}
    saved = sys.argv
    sys.argv = [DUMP] + argv
    exec(compile(body + tail, DUMP, "exec"), ns)
    sys.argv = saved
    return ns


def dump(path, full):
    ns = load_dump([path] + (["--full"] if full else []))
    sys.argv = [DUMP, path] + (["--full"] if full else [])
    ns["main"]()


VTK_CLASSES = {
    "float64": "vtkDoubleArray",
    "float32": "vtkFloatArray",
    "int8": "vtkCharArray",
    "uint8": "vtkUnsignedCharArray",
    "int16": "vtkShortArray",
    "uint16": "vtkUnsignedShortArray",
    "int32": "vtkIntArray",
    "uint32": "vtkUnsignedIntArray",
    "int64": "vtkLongArray",
    "uint64": "vtkUnsignedLongArray",
}

VTK_TYPES = {
    "float64": "VTK_DOUBLE",
    "float32": "VTK_FLOAT",
    "int8": "VTK_CHAR",
    "uint8": "VTK_UNSIGNED_CHAR",
    "int16": "VTK_SHORT",
    "uint16": "VTK_UNSIGNED_SHORT",
    "int32": "VTK_INT",
    "uint32": "VTK_UNSIGNED_INT",
    "int64": "VTK_LONG",
    "uint64": "VTK_UNSIGNED_LONG",
}


def make_array(vtk, a):
    import numpy as np
    from vtk.util.numpy_support import numpy_to_vtk

    if a["dtype"] == "string":
        s = vtk.vtkStringArray()
        s.SetName(a["name"])
        for v in a["values"]:
            s.InsertNextValue(v)
        return s
    arr = np.array(a["values"], dtype=a["dtype"])
    c = a["components"]
    arr = arr.reshape(-1, c) if c > 1 else arr
    tmp = numpy_to_vtk(arr, deep=1, array_type=getattr(vtk, VTK_TYPES[a["dtype"]]))
    # The plain class (vtkDoubleArray...) the reader creates, not vtkTypeFloat64Array.
    v = getattr(vtk, VTK_CLASSES[a["dtype"]])()
    v.DeepCopy(tmp)
    v.SetName(a["name"])
    return v


def build_grid(vtk, g):
    h = vtk.vtkHyperTreeGrid()
    h.Initialize()
    h.SetBranchFactor(g["branch_factor"])
    h.SetDimensions(g["dimensions"])
    h.SetTransposedRootIndexing(g["transposed"])
    for axis, setter in (("x", h.SetXCoordinates), ("y", h.SetYCoordinates), ("z", h.SetZCoordinates)):
        setter(make_array(vtk, {"name": "", "components": 1, **g[axis]}))
    has_mask = any(t["mask"] is not None for t in g["trees"])
    mask = vtk.vtkBitArray() if has_mask else None
    cursor = vtk.vtkHyperTreeGridNonOrientedCursor()
    offset = 0
    mask_bits = []
    for t in g["trees"]:
        h.InitializeNonOrientedCursor(cursor, t["id"], True)
        cursor.SetGlobalIndexStart(offset)
        bits = vtk.vtkBitArray()
        for ch in t["descriptor"]:
            bits.InsertNextValue(1 if ch == "1" else 0)
        cursor.GetTree().BuildFromBreadthFirstOrderDescriptor(bits, len(t["descriptor"]), 0)
        n = sum(t["cells_per_depth"])
        m = t["mask"] if t["mask"] is not None else "0" * n
        mask_bits.extend(1 if ch == "1" else 0 for ch in m)
        offset += n
    if has_mask:
        for b in mask_bits:
            mask.InsertNextValue(b)
        h.SetMask(mask)
    for a in g["cell_data"]:
        h.GetCellData().AddArray(make_array(vtk, a))
    for a in g["field_data"]:
        h.GetFieldData().AddArray(make_array(vtk, a))
    return h


def build(path, full):
    import vtk

    ns = load_dump(["--full"] if full else [])
    doc = json.load(open(path))

    def view(parts, time):
        # Field data (the first partition's) and the reader's Time array go
        # on the grid, or on the vtkPartitionedDataSet for several parts.
        fields = parts[0]["field_data"]
        objs = [build_grid(vtk, {**g, "field_data": []}) for g in parts]
        if len(objs) == 1:
            top = objs[0]
        else:
            top = vtk.vtkPartitionedDataSet()
            for i, o in enumerate(objs):
                top.SetPartition(i, o)
        for a in fields:
            top.GetFieldData().AddArray(make_array(vtk, a))
        if time is not None:
            t = vtk.vtkDoubleArray()
            t.SetName("Time")
            t.InsertNextValue(time)
            top.GetFieldData().AddArray(t)
        return ns["obj"](top)

    times = doc["times"]
    out = {"times": times}
    if times is None:
        out["data"] = view(doc["steps"][0], None)
    else:
        out["steps"] = [{"time": t, "data": view(parts, t)} for t, parts in zip(times, doc["steps"])]
    print(json.dumps(out, sort_keys=True))


def random_descriptor(rng, roots, children, depth, split):
    """vtkHyperTreeGridSource descriptor and mask strings."""
    levels = []
    masks = []
    n = roots
    for level in range(depth):
        last = level == depth - 1
        cells = []
        mask = []
        for _ in range(n):
            r = (not last) and rng.random() < split
            cells.append("R" if r else ".")
            mask.append("1" if r or rng.random() > 0.2 else "0")
        levels.append(cells)
        masks.append(mask)
        n = cells.count("R") * children
        if n == 0:
            break

    def fmt(levels):
        out = []
        for lv in levels:
            out.append(" ".join("".join(lv[i : i + children]) for i in range(0, len(lv), children)))
        return "|".join(out)

    return fmt(levels), fmt(masks)


def gen(out_dir):
    import vtk

    rng = random.Random(20250521)
    made = []
    for case in range(10):
        bf = 2 if case % 2 == 0 else 3
        two_d = case % 3 == 1
        dims = [rng.randint(2, 4), rng.randint(2, 4), 1 if two_d else rng.randint(2, 3)]
        dim = sum(1 for d in dims if d > 1)
        children = bf**dim
        roots = 1
        for d in dims:
            roots *= max(d - 1, 1)
        depth = rng.randint(1, 4 if bf == 2 else 3)
        desc, mask = random_descriptor(rng, roots, children, depth, 0.4 if bf == 2 else 0.25)
        s = vtk.vtkHyperTreeGridSource()
        s.SetDimensions(*dims)
        s.SetBranchFactor(bf)
        s.SetMaxDepth(depth)
        s.SetDescriptor(desc)
        use_mask = case % 4 != 3
        if use_mask:
            s.SetUseMask(True)
            s.SetMask(mask)
        s.SetGridScale(rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0))
        s.Update()
        g = s.GetOutput()
        # More cell arrays of several types.
        n = g.GetNumberOfCells()
        for name, cls, comps in (("I32", vtk.vtkIntArray, 1), ("F32x3", vtk.vtkFloatArray, 3), ("U8", vtk.vtkUnsignedCharArray, 1)):
            a = cls()
            a.SetName(name)
            a.SetNumberOfComponents(comps)
            a.SetNumberOfTuples(n)
            for i in range(n * comps):
                a.SetValue(i, (i * 7 + case) % 251)
            g.GetCellData().AddArray(a)
        path = os.path.join(out_dir, f"random_{case}.vtkhdf")
        w = vtk.vtkHDFWriter()
        w.SetInputData(g)
        w.SetFileName(path)
        if not w.Write():
            raise SystemExit(f"vtkHDFWriter failed for case {case}")
        made.append({"path": path, "branch_factor": bf, "dimensions": dims, "cells": n, "mask": use_mask})
    print(json.dumps(made))


def main():
    mode = sys.argv[1]
    full = "--full" in sys.argv
    if mode == "dump":
        dump(sys.argv[2], full)
    elif mode == "build":
        build(sys.argv[2], full)
    elif mode == "gen":
        gen(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {mode}")


main()
