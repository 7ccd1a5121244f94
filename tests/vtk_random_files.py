"""Writes VTKHDF files of random sizes and array types with VTK's vtkHDFWriter.

    python tests/vtk_random_files.py OUTDIR [SEED ...]

For each seed, one file per case: ImageData (2-D and 3-D), RectilinearGrid,
StructuredGrid, UnstructuredGrid (partitioned, compressed, with field data
and strings), PolyData, Table, HyperTreeGrid, a PartitionedDataSetCollection,
a MultiBlockDataSet, and temporal UnstructuredGrid / PolyData / ImageData
(static or moving geometry). Prints the file names written, one per line.
"""

import os
import sys

import numpy as np
import vtk
from vtk.util.numpy_support import numpy_to_vtk
from vtk.util.vtkAlgorithm import VTKPythonAlgorithmBase

DTYPES = [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64, np.float32, np.float64]
CELLS = {  # VTK cell type: number of points
    1: 1, 3: 2, 5: 3, 9: 4, 10: 4, 12: 8, 13: 6, 14: 5,
}


def rand_spec(rng):
    return DTYPES[rng.integers(len(DTYPES))], int(rng.choice([1, 1, 2, 3, 4, 9]))


def rand_array(rng, name, tuples, spec=None):
    dt, comps = spec or rand_spec(rng)
    if np.issubdtype(dt, np.integer):
        info = np.iinfo(dt)
        vals = rng.integers(max(info.min, -1000), min(info.max, 1000), size=(tuples, comps), endpoint=True).astype(dt)
    else:
        vals = rng.normal(size=(tuples, comps)).astype(dt)
    a = numpy_to_vtk(vals if comps > 1 else vals[:, 0], deep=True)
    a.SetName(name)
    return a


def add_arrays(rng, attrs, tuples, prefix):
    for i in range(int(rng.integers(0, 4))):
        attrs.AddArray(rand_array(rng, f"{prefix}{i}", tuples))


def add_field(rng, d, with_strings=True):
    fd = d.GetFieldData()
    fd.AddArray(rand_array(rng, "F0", int(rng.integers(1, 5))))
    if with_strings and rng.random() < 0.5:
        s = vtk.vtkStringArray()
        s.SetName("Names")
        for i in range(int(rng.integers(1, 4))):
            s.InsertNextValue(f"name {i} {rng.integers(1000)}")
        fd.AddArray(s)


def points(rng, n, dtype=None):
    dt = dtype or (np.float32 if rng.random() < 0.5 else np.float64)
    p = vtk.vtkPoints()
    p.SetData(numpy_to_vtk(rng.normal(size=(n, 3)).astype(dt), deep=True))
    return p


def image(rng, flat=False):
    d = vtk.vtkImageData()
    dims = [int(rng.integers(2, 7)) for _ in range(3)]
    if flat:
        dims[2] = 1
    d.SetDimensions(*dims)
    d.SetOrigin(*rng.normal(size=3))
    d.SetSpacing(*(rng.random(3) + 0.1))
    add_arrays(rng, d.GetPointData(), d.GetNumberOfPoints(), "P")
    add_arrays(rng, d.GetCellData(), d.GetNumberOfCells(), "C")
    return d


def rectilinear(rng):
    d = vtk.vtkRectilinearGrid()
    dims = [int(rng.integers(1, 6)) for _ in range(3)]
    d.SetDimensions(*dims)
    for n, setter in zip(dims, [d.SetXCoordinates, d.SetYCoordinates, d.SetZCoordinates]):
        setter(numpy_to_vtk(np.sort(rng.normal(size=n)), deep=True))
    add_arrays(rng, d.GetPointData(), d.GetNumberOfPoints(), "P")
    add_arrays(rng, d.GetCellData(), d.GetNumberOfCells(), "C")
    return d


def structured(rng):
    d = vtk.vtkStructuredGrid()
    dims = [int(rng.integers(2, 5)) for _ in range(3)]
    d.SetDimensions(*dims)
    d.SetPoints(points(rng, dims[0] * dims[1] * dims[2]))
    add_arrays(rng, d.GetPointData(), d.GetNumberOfPoints(), "P")
    add_arrays(rng, d.GetCellData(), d.GetNumberOfCells(), "C")
    return d


def unstructured(rng, npts=None, ncells=None, field=True):
    d = vtk.vtkUnstructuredGrid()
    npts = npts or int(rng.integers(8, 60))
    d.SetPoints(points(rng, npts))
    d.Allocate()
    for _ in range(ncells or int(rng.integers(1, 40))):
        t = int(rng.choice(list(CELLS)))
        ids = rng.choice(npts, size=CELLS[t], replace=False)
        d.InsertNextCell(t, len(ids), [int(i) for i in ids])
    add_arrays(rng, d.GetPointData(), d.GetNumberOfPoints(), "P")
    add_arrays(rng, d.GetCellData(), d.GetNumberOfCells(), "C")
    if field:
        add_field(rng, d)
    return d


def polydata(rng, field=True):
    d = vtk.vtkPolyData()
    npts = int(rng.integers(8, 50))
    d.SetPoints(points(rng, npts))
    for setter, lo, hi in [(d.SetVerts, 1, 2), (d.SetLines, 2, 5), (d.SetPolys, 3, 6), (d.SetStrips, 3, 7)]:
        ca = vtk.vtkCellArray()
        if rng.random() < 0.8:
            for _ in range(int(rng.integers(1, 8))):
                ids = rng.choice(npts, size=int(rng.integers(lo, hi)), replace=False)
                ca.InsertNextCell(len(ids), [int(i) for i in ids])
        setter(ca)
    add_arrays(rng, d.GetPointData(), d.GetNumberOfPoints(), "P")
    add_arrays(rng, d.GetCellData(), d.GetNumberOfCells(), "C")
    if field:
        add_field(rng, d)
    return d


def table(rng):
    t = vtk.vtkTable()
    rows = int(rng.integers(1, 30))
    for i in range(int(rng.integers(1, 5))):
        a = rand_array(rng, f"col{i}", rows)
        t.AddColumn(a)
    return t


def htg(rng):
    s = vtk.vtkRandomHyperTreeGridSource()
    s.SetDimensions(int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.choice([1, 2, 3])))
    s.SetSeed(int(rng.integers(1000)))
    s.SetMaxDepth(int(rng.integers(1, 4)))
    s.SetSplitFraction(float(rng.random() * 0.6 + 0.2))
    s.Update()
    return s.GetOutput()


def partitioned(rng, make):
    """Parts with the same arrays (VTK's writer needs that)."""
    p = vtk.vtkPartitionedDataSet()
    pspecs = [rand_spec(rng) for _ in range(int(rng.integers(0, 3)))]
    cspecs = [rand_spec(rng) for _ in range(int(rng.integers(0, 3)))]
    for i in range(int(rng.integers(2, 4))):
        d = make(rng, field=False)
        for attrs in (d.GetPointData(), d.GetCellData()):
            while attrs.GetNumberOfArrays():
                attrs.RemoveArray(0)
        for k, spec in enumerate(pspecs):
            d.GetPointData().AddArray(rand_array(rng, f"P{k}", d.GetNumberOfPoints(), spec))
        for k, spec in enumerate(cspecs):
            d.GetCellData().AddArray(rand_array(rng, f"C{k}", d.GetNumberOfCells(), spec))
        p.SetPartition(i, d)
    return p


def pdc(rng):
    c = vtk.vtkPartitionedDataSetCollection()
    makers = [lambda: image(rng), lambda: unstructured(rng, field=False), lambda: polydata(rng, field=False)]
    n = int(rng.integers(2, 5))
    asm = vtk.vtkDataAssembly()
    node = asm.AddNode("Group")
    for i in range(n):
        c.SetPartition(i, 0, makers[int(rng.integers(len(makers)))]())
        c.GetMetaData(i).Set(vtk.vtkCompositeDataSet.NAME(), f"block{i}")
        asm.AddDataSetIndex(node if rng.random() < 0.5 else 0, i)
    c.SetDataAssembly(asm)
    return c


def multiblock(rng):
    m = vtk.vtkMultiBlockDataSet()
    inner = vtk.vtkMultiBlockDataSet()
    inner.SetBlock(0, polydata(rng, field=False))
    inner.SetBlock(1, image(rng))
    m.SetBlock(0, unstructured(rng, field=False))
    m.SetBlock(1, inner)
    m.GetMetaData(0).Set(vtk.vtkCompositeDataSet.NAME(), "mesh")
    m.GetMetaData(1).Set(vtk.vtkCompositeDataSet.NAME(), "nested")
    inner.GetMetaData(0).Set(vtk.vtkCompositeDataSet.NAME(), "surface")
    inner.GetMetaData(1).Set(vtk.vtkCompositeDataSet.NAME(), "image")
    return m


class TimeSource(VTKPythonAlgorithmBase):
    """Emits a data set per time step; geometry fixed or changing."""

    def __init__(self, kind, seed, steps, moving):
        out = {"ug": "vtkUnstructuredGrid", "pd": "vtkPolyData", "image": "vtkImageData"}[kind]
        VTKPythonAlgorithmBase.__init__(self, nInputPorts=0, nOutputPorts=1, outputType=out)
        self.kind, self.seed, self.moving = kind, seed, moving
        self.times = [float(i) * 0.5 for i in range(steps)]

    def RequestInformation(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        key = vtk.vtkStreamingDemandDrivenPipeline
        info.Set(key.TIME_STEPS(), self.times, len(self.times))
        info.Set(key.TIME_RANGE(), [self.times[0], self.times[-1]], 2)
        if self.kind == "image":
            info.Set(key.WHOLE_EXTENT(), [0, 3, 0, 2, 0, 1], 6)
        return 1

    def RequestData(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        t = info.Get(vtk.vtkStreamingDemandDrivenPipeline.UPDATE_TIME_STEP()) if info.Has(
            vtk.vtkStreamingDemandDrivenPipeline.UPDATE_TIME_STEP()) else 0.0
        step = min(range(len(self.times)), key=lambda i: abs(self.times[i] - t))
        geo_seed = self.seed * 100 + (step if self.moving else 0)
        rng = np.random.default_rng(geo_seed)
        if self.kind == "ug":
            d = unstructured(rng, field=False)
        elif self.kind == "pd":
            d = polydata(rng, field=False)
        else:
            d = vtk.vtkImageData()
            d.SetExtent(0, 3, 0, 2, 0, 1)
        # Arrays change at every step (fixed names and types per file).
        for attrs in (d.GetPointData(), d.GetCellData()):
            while attrs.GetNumberOfArrays():
                attrs.RemoveArray(0)
        vals = np.arange(d.GetNumberOfPoints(), dtype=np.float64) + 10 * step
        a = numpy_to_vtk(vals, deep=True)
        a.SetName("T")
        d.GetPointData().AddArray(a)
        c = numpy_to_vtk((np.arange(d.GetNumberOfCells()) * (step + 1)).astype(np.int32), deep=True)
        c.SetName("C")
        d.GetCellData().AddArray(c)
        out = vtk.vtkDataObject.GetData(outInfo)
        out.ShallowCopy(d)
        return 1


def write(obj, path, rng, temporal=False):
    w = vtk.vtkHDFWriter()
    w.SetFileName(path)
    if rng.random() < 0.3:
        w.SetCompressionLevel(int(rng.integers(1, 10)))
    if rng.random() < 0.3:
        w.SetChunkSize(int(rng.integers(1, 100)))
    if temporal:
        w.SetInputConnection(obj.GetOutputPort())
        w.SetWriteAllTimeSteps(True)
    else:
        w.SetInputData(obj)
    if not w.Write():
        raise SystemExit(f"vtkHDFWriter failed on {path}")


def main():
    out = sys.argv[1]
    seeds = [int(s) for s in sys.argv[2:]] or [1, 2, 3]
    os.makedirs(out, exist_ok=True)
    for seed in seeds:
        cases = {
            "image3d": lambda r: image(r),
            "image2d": lambda r: image(r, flat=True),
            "rectilinear": rectilinear,
            "structured": structured,
            "ug": lambda r: unstructured(r),
            "ug_parts": lambda r: partitioned(r, unstructured),
            "pd": lambda r: polydata(r),
            "pd_parts": lambda r: partitioned(r, polydata),
            "table": table,
            "htg": htg,
            "pdc": pdc,
            "mb": multiblock,
        }
        for name, make in cases.items():
            rng = np.random.default_rng(seed * 1000 + len(name))
            path = os.path.join(out, f"{name}_{seed}.vtkhdf")
            write(make(rng), path, rng)
            print(path)
        for kind in ["ug", "pd", "image"]:
            for moving in [False, True]:
                rng = np.random.default_rng(seed)
                src = TimeSource(kind, seed, int(rng.integers(2, 5)), moving)
                path = os.path.join(out, f"temporal_{kind}_{'moving' if moving else 'static'}_{seed}.vtkhdf")
                write(src, path, rng, temporal=True)
                print(path)


main()
