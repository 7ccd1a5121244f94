"""What VTK's vtkHDFReader builds from a VTKHDF file, as canonical JSON.

    python tests/vtk_dump.py FILE [--full]

Walks the reader's output (every time step, every block and partition) and
prints one JSON document: data set classes, geometry (extents, origin,
spacing, direction, coordinates, points, cells, polyhedron faces, AMR boxes,
hyper tree structure) and every point/cell/field/row array with its VTK
class, components, tuple count and a SHA-256 of its values. With --full,
values are listed too. Two files hold the same data for VTK exactly when
their dumps are equal.
"""

import hashlib
import json
import sys

import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

FULL = "--full" in sys.argv


def digest(a):
    a = np.ascontiguousarray(a)
    # Same bytes whatever the platform's native order.
    return hashlib.sha256(a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()).hexdigest()[:24]


def num(a):
    if a is None:
        return None
    arr = vtk_to_numpy(a)
    out = {
        "class": a.GetClassName(),
        "components": a.GetNumberOfComponents(),
        "tuples": a.GetNumberOfTuples(),
        "sha": digest(arr),
    }
    if FULL or arr.size <= 16:
        out["values"] = arr.reshape(-1).tolist()
    return out


def array(a):
    if a is None:
        return None
    if a.IsA("vtkStringArray"):
        vals = [a.GetValue(i) for i in range(a.GetNumberOfValues())]
        return {
            "class": a.GetClassName(),
            "components": a.GetNumberOfComponents(),
            "tuples": a.GetNumberOfTuples(),
            "values": vals,
        }
    if a.IsA("vtkDataArray"):
        return num(a)
    return {"class": a.GetClassName()}


def fields(fd):
    out = {}
    for i in range(fd.GetNumberOfArrays()):
        a = fd.GetAbstractArray(i)
        out[a.GetName() or f"#{i}"] = array(a)
    return out


def cell_array(ca):
    return {
        "cells": ca.GetNumberOfCells(),
        "offsets": num(ca.GetOffsetsArray()),
        "connectivity": num(ca.GetConnectivityArray()),
    }


def dataset(d):
    if d is None:
        return None
    out = {"class": d.GetClassName()}
    if d.IsA("vtkDataSet") or d.IsA("vtkHyperTreeGrid"):
        pass
    if d.IsA("vtkImageData"):
        out["extent"] = list(d.GetExtent())
        out["origin"] = list(d.GetOrigin())
        out["spacing"] = list(d.GetSpacing())
        m = d.GetDirectionMatrix()
        out["direction"] = [m.GetElement(i, j) for i in range(3) for j in range(3)]
    elif d.IsA("vtkRectilinearGrid"):
        out["extent"] = list(d.GetExtent())
        out["x"] = num(d.GetXCoordinates())
        out["y"] = num(d.GetYCoordinates())
        out["z"] = num(d.GetZCoordinates())
    elif d.IsA("vtkStructuredGrid"):
        out["extent"] = list(d.GetExtent())
        out["points"] = num(d.GetPoints().GetData()) if d.GetPoints() else None
    elif d.IsA("vtkUnstructuredGrid"):
        out["points"] = num(d.GetPoints().GetData()) if d.GetPoints() else None
        out["types"] = num(d.GetCellTypes()) if d.GetNumberOfCells() else None
        out["cells"] = cell_array(d.GetCells())
        faces = d.GetPolyhedronFaces()
        if faces is not None and faces.GetNumberOfCells() > 0:
            out["faces"] = cell_array(faces)
            out["face_locations"] = cell_array(d.GetPolyhedronFaceLocations())
    elif d.IsA("vtkPolyData"):
        out["points"] = num(d.GetPoints().GetData()) if d.GetPoints() else None
        out["verts"] = cell_array(d.GetVerts())
        out["lines"] = cell_array(d.GetLines())
        out["polys"] = cell_array(d.GetPolys())
        out["strips"] = cell_array(d.GetStrips())
    elif d.IsA("vtkTable"):
        out["rows"] = d.GetNumberOfRows()
        out["row_data"] = fields(d.GetRowData())
    elif d.IsA("vtkHyperTreeGrid"):
        out["dimensions"] = list(d.GetDimensions())
        out["branch_factor"] = d.GetBranchFactor()
        out["transposed"] = d.GetTransposedRootIndexing()
        out["x"] = num(d.GetXCoordinates())
        out["y"] = num(d.GetYCoordinates())
        out["z"] = num(d.GetZCoordinates())
        out["cells"] = d.GetNumberOfCells()
        out["has_mask"] = bool(d.HasMask())
        out["trees"] = htg_trees(d)
    if d.IsA("vtkDataSet"):
        out["n_points"] = d.GetNumberOfPoints()
        out["n_cells"] = d.GetNumberOfCells()
        out["point_data"] = fields(d.GetPointData())
        out["cell_data"] = fields(d.GetCellData())
    elif d.IsA("vtkHyperTreeGrid"):
        out["cell_data"] = fields(d.GetCellData())
    out["field_data"] = fields(d.GetFieldData())
    return out


def htg_trees(g):
    """Per tree: (index, [(global id, leaf, masked) in depth-first order])."""
    trees = []
    cursor = vtk.vtkHyperTreeGridNonOrientedCursor()
    for i in range(g.GetMaxNumberOfTrees()):
        if g.GetTree(i) is None:
            continue
        g.InitializeNonOrientedCursor(cursor, i)
        nodes = []

        def walk():
            leaf = cursor.IsLeaf()
            nodes.append([cursor.GetGlobalNodeIndex(), int(leaf), int(cursor.IsMasked())])
            if not leaf:
                for c in range(cursor.GetNumberOfChildren()):
                    cursor.ToChild(c)
                    walk()
                    cursor.ToParent()

        walk()
        h = hashlib.sha256(json.dumps(nodes).encode()).hexdigest()[:24]
        trees.append({"index": i, "nodes": len(nodes), "sha": h})
    return trees


def amr(d):
    out = {"class": d.GetClassName(), "levels": []}
    for level in range(d.GetNumberOfLevels()):
        blocks = []
        for b in range(d.GetNumberOfBlocks(level)):
            box = d.GetAMRBox(level, b)
            lo = [0, 0, 0]
            hi = [0, 0, 0]
            box.GetDimensions(lo, hi)
            blocks.append({"box": lo + hi, "data": dataset(d.GetDataSetAsImageData(level, b))})
        sp = [0.0, 0.0, 0.0]
        d.GetSpacing(level, sp)
        out["levels"].append({"spacing": sp, "blocks": blocks})
    out["field_data"] = fields(d.GetFieldData())
    return out


def obj(d):
    if d is None:
        return None
    if d.IsA("vtkOverlappingAMR"):
        return amr(d)
    if d.IsA("vtkPartitionedDataSetCollection"):
        out = {"class": d.GetClassName(), "datasets": []}
        for i in range(d.GetNumberOfPartitionedDataSets()):
            meta = d.GetMetaData(i) if d.HasMetaData(i) else None
            name = meta.Get(vtk.vtkCompositeDataSet.NAME()) if meta and meta.Has(vtk.vtkCompositeDataSet.NAME()) else None
            out["datasets"].append({"name": name, "data": obj(d.GetPartitionedDataSet(i))})
        asm = d.GetDataAssembly()
        out["assembly"] = asm.SerializeToXML(vtk.vtkIndent()) if asm else None
        out["field_data"] = fields(d.GetFieldData())
        return out
    if d.IsA("vtkPartitionedDataSet"):
        return {
            "class": d.GetClassName(),
            "partitions": [dataset(d.GetPartitionAsDataObject(i)) for i in range(d.GetNumberOfPartitions())],
            # The reader puts the field data of partitioned data here.
            "field_data": fields(d.GetFieldData()),
        }
    if d.IsA("vtkMultiBlockDataSet"):
        out = {"class": d.GetClassName(), "blocks": []}
        for i in range(d.GetNumberOfBlocks()):
            meta = d.GetMetaData(i) if d.HasMetaData(i) else None
            name = meta.Get(vtk.vtkCompositeDataSet.NAME()) if meta and meta.Has(vtk.vtkCompositeDataSet.NAME()) else None
            out["blocks"].append({"name": name, "data": obj(d.GetBlock(i))})
        out["field_data"] = fields(d.GetFieldData())
        return out
    return dataset(d)


def main():
    path = sys.argv[1]
    r = vtk.vtkHDFReader()
    if not r.CanReadFile(path):
        print(json.dumps({"error": "CanReadFile failed"}))
        sys.exit(1)
    r.SetFileName(path)
    r.UpdateInformation()
    info = r.GetOutputInformation(0)
    key = vtk.vtkStreamingDemandDrivenPipeline.TIME_STEPS()
    times = list(info.Get(key)) if info.Has(key) else None
    if hasattr(r, "SetMaximumLevelsToReadByDefaultForAMR"):
        r.SetMaximumLevelsToReadByDefaultForAMR(0)
    doc = {"times": times}
    if times:
        steps = []
        for t in times:
            r.UpdateTimeStep(t)
            steps.append({"time": t, "data": obj(r.GetOutputDataObject(0))})
        doc["steps"] = steps
    else:
        r.Update()
        doc["data"] = obj(r.GetOutputDataObject(0))
    print(json.dumps(doc, sort_keys=True))


main()
