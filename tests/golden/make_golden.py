#!/usr/bin/env python3
"""Generate the golden HDF5 files and their expected canonical dumps.

    .venv/bin/python tests/golden/make_golden.py

writes into tests/golden/files/:

  groups_<LV>.h5    link structures: symbol-table groups (earliest), compact and
                    dense new-style groups, creation order, soft/external
                    links, hard links to one object twice, a cycle, a
                    committed datatype, UTF-8 names
  attrs_<LV>.h5     attributes of every type and dataspace, compact and dense
                    attribute storage (many attributes; one > 64 KiB)
  layouts_<LV>.h5   dataset layouts and every chunk index, filters, filter
                    masks, fill values, unwritten/partial/resized datasets,
                    edge chunks in 3-D and 4-D
  types_<LV>.h5     dataset element types: numbers of both byte orders, bool,
                    enum, compound, array, fixed strings of each padding and
                    character set, vlen strings, opaque, bitfield, references,
                    vlen sequences, scalar/null/empty dataspaces
  misc_*.h5         a user block, paged file-space aggregation, LZF (h5py's
                    own filter)
  extras_*.h5       the n-bit and scale-offset filters, integers with a bit
                    offset and a precision narrower than their size

for every library-version low bound h5py offers (<LV> = earliest, v108, v110,
v112, v114, v200; "latest" is v200 with HDF5 2.0), each with FILE.jsonl, its
dump by tests/refdump.py. Values come from fixed seeds, so regenerating only
changes files where libhdf5 itself records something new.
"""

import ctypes
import os
import sys

import numpy as np
import h5py
from h5py import h5a, h5d, h5f, h5p, h5s, h5t, h5z

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "files")
sys.path.insert(0, os.path.dirname(HERE))
import refdump  # noqa: E402  (tests/refdump.py)

LIBVERS = ["earliest", "v108", "v110", "v112", "v114", "v200"]


def new_index_formats(lv):
    """True when the chunk indexes of format v4 layouts (single chunk,
    implicit, fixed array, extensible array, v2 B-tree) are used."""
    return lv not in ("earliest", "v108")


# --------------------------------------------------------------------------
# Low-level helpers
# --------------------------------------------------------------------------

def fixed_string_type(size, pad, cset=h5t.CSET_ASCII):
    tid = h5t.C_S1.copy()
    tid.set_size(size)
    tid.set_strpad(pad)
    tid.set_cset(cset)
    return tid


def simple_space(shape):
    if shape is None:
        return h5s.create(h5s.NULL)
    if shape == ():
        return h5s.create(h5s.SCALAR)
    return h5s.create_simple(shape)


def raw_attr(obj, name, tid, shape, data=None):
    """An attribute of file type tid whose bytes are written unconverted
    (data: numpy array with the same bytes layout as tid)."""
    aid = h5a.create(obj.id, name.encode(), tid, simple_space(shape))
    if data is not None:
        aid.write(np.ascontiguousarray(data), mtype=tid)


def raw_dataset(group, name, tid, shape, data=None, dcpl=None):
    """A dataset of file type tid whose bytes are written unconverted."""
    if dcpl is None:
        dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    did = h5d.create(group.id, name.encode(), tid, simple_space(shape), dcpl=dcpl)
    if data is not None:
        did.write(h5s.ALL, h5s.ALL, np.ascontiguousarray(data), mtype=tid)
    return did


def shuffle_bytes(data, itemsize):
    """The shuffle filter's transform of raw bytes."""
    a = np.frombuffer(data, dtype=np.uint8).reshape(-1, itemsize)
    return a.T.tobytes()


def libhdf5():
    """The libhdf5 shared library h5py is linked with (already loaded)."""
    import glob
    import h5py.h5 as h5mod
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "libhdf5" in line and ".so" in line}
    paths = [p for p in paths if "hl" not in os.path.basename(p)]
    if not paths:  # not Linux: look next to the h5py package
        root = os.path.dirname(os.path.dirname(h5mod.__file__))
        paths = glob.glob(os.path.join(root, "h5py.libs", "libhdf5-*"))
    return ctypes.CDLL(paths[0])


def open_file(path, lv, istore_k=None):
    """A new file with libver low bound lv; istore_k: a non-default K of the
    v1 B-trees of chunked datasets (smaller nodes, deeper trees; recorded in a
    version 1 superblock)."""
    if istore_k is None:
        return h5py.File(path, "w", libver=lv)
    fcpl = h5p.create(h5p.FILE_CREATE)
    # h5py has no binding for H5Pset_istore_k: call the libhdf5 it bundles.
    if libhdf5().H5Pset_istore_k(ctypes.c_int64(fcpl.id), ctypes.c_uint(istore_k)) < 0:
        raise RuntimeError("H5Pset_istore_k failed")
    fcpl.set_obj_track_times(False)
    fapl = h5p.create(h5p.FILE_ACCESS)
    low = {"earliest": h5f.LIBVER_EARLIEST, "v108": h5f.LIBVER_V18}[lv]
    fapl.set_libver_bounds(low, h5f.LIBVER_LATEST)
    return h5py.File(h5f.create(path.encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))


# --------------------------------------------------------------------------
# groups_<LV>.h5
# --------------------------------------------------------------------------

def make_groups(path, lv):
    with open_file(path, lv) as f:
        rng = np.random.default_rng(1)
        f.attrs["title"] = "groups"
        # Few links: a compact group (new style) / a one-node symbol table.
        small = f.create_group("small")
        for name in ["b", "a", "c"]:
            small.create_dataset(name, data=np.arange(3, dtype="<i4") + ord(name))
        # Many links: dense storage (fractal heap + v2 B-tree name index) in
        # the new style; several symbol-table nodes under a v1 B-tree in the
        # old style.
        many = f.create_group("many")
        for i in range(30):
            many.create_group("g%03d" % ((i * 7) % 30))
        for i in range(60):
            many["soft%02d" % i] = h5py.SoftLink("/small/a")
        # Creation-order tracked groups (always new style): compact and dense.
        tracked = f.create_group("tracked", track_order=True)
        for name in ["zeta", "alpha", "mid", "Beta"]:
            tracked.create_dataset(name, data=rng.integers(0, 100, 4, dtype="u1"))
        dense = f.create_group("tracked_dense", track_order=True)
        for i in range(40):
            dense.create_group("n%02d" % (39 - i))
        # Links that are not followed.
        links = f.create_group("links")
        links["to_data"] = h5py.SoftLink("/small/b")
        links["dangling"] = h5py.SoftLink("/does/not/exist")
        links["relative"] = h5py.SoftLink("../small")
        links["ext"] = h5py.ExternalLink("other_file.h5", "/some/object")
        links["ext_utf8"] = h5py.ExternalLink("fichier é.h5", "/données")
        # Hard links: one dataset and one group reachable twice; a cycle.
        links["data_again"] = f["small/c"]
        links["group_again"] = small
        small["parent"] = f  # cycle back to the root
        # A committed datatype, used by a dataset, and linked twice.
        f["types/vec3"] = np.dtype([("x", "<f4"), ("y", "<f4"), ("z", "<f4")])
        f["types/vec3_again"] = f["types/vec3"]
        f.create_dataset("types/points", shape=(2,), dtype=f["types/vec3"],
                         data=np.array([(1, 2, 3), (4, 5, 6)], dtype=f["types/vec3"].dtype))
        # Names whose byte order differs from code point / creation order.
        names = f.create_group("names")
        for name in ["é", "z", "Z", "_", "a b", "日本", "e", "ä"]:
            names.create_group(name)
        # Deep nesting.
        f.create_group("deep/er/and/deeper").attrs["depth"] = 4


# --------------------------------------------------------------------------
# attrs_<LV>.h5
# --------------------------------------------------------------------------

def add_typed_attrs(obj):
    """One attribute of each type the dump prints (values and dtype names)."""
    a = obj.attrs
    for code in ["i1", "u1"]:
        info = np.iinfo(code)
        a.create("%s" % code, np.array([info.min, 0, info.max], dtype=code))
    for code in ["i2", "u2", "i4", "u4", "i8", "u8"]:
        info = np.iinfo(code)
        for order in "<>":
            dt = np.dtype(order + code)
            a.create("%s%s" % ("le_" if order == "<" else "be_", code),
                     np.array([info.min, 1, info.max], dtype=dt))
    specials = [0.1, -0.0, 1e-30, 65504.0, float("nan"), float("inf"), float("-inf")]
    for code in ["f2", "f4", "f8"]:
        for order in "<>":
            dt = np.dtype(order + code)
            with np.errstate(over="ignore"):
                a.create("%s%s" % ("le_" if order == "<" else "be_", code),
                         np.array(specials, dtype=dt))
    a.create("f8_min_subnormal", np.array(5e-324))
    a.create("f4_third", np.float32(1) / np.float32(3))
    a["scalar_i4"] = np.int32(-5)
    a["scalar_f8"] = 2.5
    a["matrix_i2"] = np.arange(6, dtype=">i2").reshape(2, 3)
    a["cube_u1"] = np.arange(24, dtype="u1").reshape(2, 3, 4)
    a["empty_1d"] = np.zeros((0,), dtype="<i4")
    a["null_f4"] = h5py.Empty("<f4")
    a["null_str"] = h5py.Empty(h5py.string_dtype())
    a["bool_scalar"] = np.bool_(True)
    a["bool_array"] = np.array([True, False, True])
    a.create("enum_i1", np.array([0, 2, -1], dtype="i1"),
             dtype=h5py.enum_dtype({"RED": 0, "GREEN": 2, "NEG": -1}, basetype="i1"))
    a.create("enum_u2_be", np.array(7, dtype=">u2"),
             dtype=h5py.enum_dtype({"SEVEN": 7, "EIGHT": 8}, basetype=">u2"))
    # bool look-alike whose members are not exactly FALSE=0,TRUE=1
    a.create("enum_not_bool", np.array([1, 0], dtype="u1"),
             dtype=h5py.enum_dtype({"False": 0, "True": 1}, basetype="u1"))
    # Strings: variable length (UTF-8 and ASCII), scalar and arrays.
    a["vstr_utf8"] = "héllo wörld ✓"
    a["vstr_empty"] = ""
    a.create("vstr_array", ["one", "", "three", "日本語"], dtype=h5py.string_dtype())
    a.create("vstr_ascii", [b"abc", b"d\xffe"], dtype=h5py.string_dtype("ascii"))
    a.create("vstr_2d", [["a", "bb"], ["ccc", "dddd"]], dtype=h5py.string_dtype())
    # Fixed-length strings of each padding and character set, bytes stored
    # exactly as given (no conversion on write).
    S = h5t.STR_NULLTERM, h5t.STR_NULLPAD, h5t.STR_SPACEPAD
    raw_attr(obj, "fstr_nullterm", fixed_string_type(6, S[0]), (4,),
             np.array([b"ab\0xyz", b"abcdef", b"\0\0\0\0\0\0", b"a b\0\0\0"], dtype="S6"))
    raw_attr(obj, "fstr_nullpad", fixed_string_type(6, S[1]), (4,),
             np.array([b"ab\0\0\0\0", b"abcdef", b"a\0b\0\0\0", b"a b   "], dtype="S6"))
    raw_attr(obj, "fstr_spacepad", fixed_string_type(6, S[2]), (4,),
             np.array([b"ab    ", b"abcdef", b"      ", b"a b\0  "], dtype="S6"))
    raw_attr(obj, "fstr_utf8_nullterm", fixed_string_type(8, S[0], h5t.CSET_UTF8), (),
             np.array("é✓\0".encode().ljust(8, b"\0"), dtype="S8"))
    raw_attr(obj, "fstr_utf8_spacepad", fixed_string_type(8, S[2], h5t.CSET_UTF8), (2,),
             np.array(["é✓".encode().ljust(8, b" "), "ab".encode().ljust(8, b" ")], dtype="S8"))
    raw_attr(obj, "fstr_invalid_utf8", fixed_string_type(4, S[1], h5t.CSET_UTF8), (),
             np.array(b"a\xff\xfeb", dtype="S4"))
    a["numpy_bytes"] = np.bytes_(b"fixed by numpy")  # h5py: |S14 null-padded
    # Classes whose value prints as null (only the dtype name is checked).
    a["compound"] = np.array([(1, 2.5)], dtype=[("a", "i1"), ("b", "<f8")])
    a.create("array", np.arange(6, dtype="<i4").reshape(2, 3), dtype=np.dtype(("<i4", (3,))))
    a.create("opaque", np.void(b"\x01\x02\x03"), dtype="V3")
    a.create("vlen_ints", np.array([np.array([1, 2], "i4"), np.array([3], "i4")],
                                    dtype=object), dtype=h5py.vlen_dtype("i4"))
    a["objref"] = obj.ref
    bf = h5t.STD_B16LE.copy()
    raw_attr(obj, "bitfield16", bf, (2,), np.array([1, 0xF0F0], dtype="<u2"))


def make_attrs(path, lv):
    with open_file(path, lv) as f:
        # Every type on the root group and on a dataset.
        add_typed_attrs(f)
        d = f.create_dataset("data", data=np.arange(5, dtype="<i4"))
        add_typed_attrs(d)
        # Many small attributes: continuation blocks in the object header
        # (earliest), dense storage past 8 attributes (newer formats).
        g = f.create_group("many_attrs")
        for i in range(40):
            g.attrs["attr%02d" % ((i * 7) % 40)] = np.arange(i % 5 + 1, dtype="<i8") * i
        # Creation-order tracking of attributes, compact and dense.
        g2 = f.create_group("tracked_attrs", track_order=True)
        for name in ["zz", "aa", "mm"]:
            g2.attrs[name] = name
        g3 = f.create_group("tracked_dense_attrs", track_order=True)
        for i in range(20):
            g3.attrs["t%02d" % (19 - i)] = float(i) / 3
        # One attribute larger than 64 KiB: forces dense storage (stored as a
        # huge object of the fractal heap). Not possible in the earliest format.
        if lv != "earliest":
            g4 = f.create_group("big_attr")
            g4.attrs["small"] = 1
            # 70000-byte string: the dump stays short (trailing NULs are cut)
            big = (b"0123456789abcdef" * 64).ljust(70000, b"\0")
            g4.attrs["big"] = np.bytes_(big)


# --------------------------------------------------------------------------
# layouts_<LV>.h5
# --------------------------------------------------------------------------

def dcpl_with(layout=None, alloc_early=False):
    dcpl = h5p.create(h5p.DATASET_CREATE)
    if layout is not None:
        dcpl.set_layout(layout)
    if alloc_early:
        dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
    return dcpl


def make_layouts(path, lv):
    rng = np.random.default_rng(2)
    # The formats that index chunks with v1 B-trees get small nodes (K = 4):
    # multi-level trees, and a smaller file. K is recorded in a version 1
    # superblock (earliest) or a superblock extension (v108).
    with open_file(path, lv, istore_k=None if new_index_formats(lv) else 4) as f:
        # Compact and contiguous.
        f.create_dataset("compact_f8", data=rng.normal(size=(3, 4)),
                         dcpl=dcpl_with(h5d.COMPACT))
        f.create_dataset("compact_str", data=["a", "bc", "déf"], dtype=h5py.string_dtype(),
                         dcpl=dcpl_with(h5d.COMPACT))
        f.create_dataset("contiguous_i4", data=rng.integers(-1000, 1000, (6, 5), dtype="<i4"))
        f.create_dataset("contiguous_be_f4", data=rng.normal(size=20).astype(">f4"))

        # Chunk indexes. In the earliest/v108 formats all of them are v1
        # B-trees; the names say which index the v110+ formats use.
        c = f.create_group("chunk_index")
        # single chunk: one chunk covering a fixed-size dataset
        c.create_dataset("single", data=np.arange(12, dtype="<i2").reshape(3, 4),
                         chunks=(3, 4))
        c.create_dataset("single_deflate", data=np.arange(100, dtype="<i4"),
                         chunks=(100,), compression="gzip")
        # implicit: no filters, fixed maximum shape, early allocation
        c.create_dataset("implicit", data=np.arange(30, dtype="<u2").reshape(5, 6),
                         chunks=(2, 4), dcpl=dcpl_with(alloc_early=True))
        c.create_dataset("implicit_partial", shape=(9,), dtype="<i4", chunks=(2,),
                         fillvalue=-1, dcpl=dcpl_with(alloc_early=True))
        c["implicit_partial"][2:5] = [10, 11, 12]
        # fixed array: fixed maximum shape, several chunks (a B-tree of
        # two levels with the old formats)
        c.create_dataset("fixed_array", data=np.arange(100, dtype="<f4"), chunks=(1,))
        c.create_dataset("fixed_array_filtered", data=np.arange(400, dtype="<i8").reshape(20, 20),
                         chunks=(3, 7), compression="gzip", shuffle=True)
        if new_index_formats(lv):
            # paged fixed array: more than 1024 chunks
            c.create_dataset("fixed_array_paged", data=(np.arange(1100) % 251).astype("u1"),
                             chunks=(1,))
        # extensible array: one unlimited dimension
        ea = c.create_dataset("extensible_array", shape=(0,), maxshape=(None,),
                              dtype="<i4", chunks=(1,))
        ea.resize((300,))
        ea[:] = np.arange(300, dtype="<i4") * 3
        ea2 = c.create_dataset("extensible_array_filtered", shape=(50, 4), maxshape=(None, 4),
                               dtype="<f8", chunks=(4, 4), compression="gzip", fletcher32=True,
                               fillvalue=0.5)
        ea2[:30] = rng.normal(size=(30, 4))
        ea2[44:46] = 9.0  # chunks 8..10 and 12 are never written
        # v2 B-tree: two unlimited dimensions
        bt = c.create_dataset("btree_v2", shape=(12, 12), maxshape=(None, None),
                              dtype="<i2", chunks=(1, 1))
        bt[...] = np.arange(144, dtype="<i2").reshape(12, 12)
        bt2 = c.create_dataset("btree_v2_filtered", shape=(10, 12), maxshape=(None, None),
                               dtype="<u4", chunks=(3, 5), compression="gzip", fillvalue=77)
        bt2[0:6, 0:5] = np.arange(30, dtype="<u4").reshape(6, 5)

        # Filter pipelines.
        p = f.create_group("filters")
        data = (rng.normal(size=(20, 15)) * 100).astype("<f4")
        p.create_dataset("deflate1", data=data, chunks=(10, 10), compression="gzip",
                         compression_opts=1)
        p.create_dataset("deflate9", data=data, chunks=(10, 10), compression="gzip",
                         compression_opts=9)
        p.create_dataset("shuffle", data=data, chunks=(10, 10), shuffle=True)
        p.create_dataset("fletcher32", data=data, chunks=(10, 10), fletcher32=True)
        p.create_dataset("shuffle_deflate", data=data, chunks=(10, 10), shuffle=True,
                         compression="gzip")
        p.create_dataset("shuffle_fletcher32", data=data, chunks=(10, 10), shuffle=True,
                         fletcher32=True)
        p.create_dataset("shuffle_deflate_fletcher32", data=data.astype(">f8"), chunks=(7, 6),
                         shuffle=True, compression="gzip", fletcher32=True)
        # deflate, then shuffle (reverse of h5py's order), via the low level
        dcpl = h5p.create(h5p.DATASET_CREATE)
        dcpl.set_chunk((10, 10))
        dcpl.set_deflate(6)
        dcpl.set_shuffle()
        p.create_dataset("deflate_then_shuffle", data=data, dcpl=dcpl)

        # Chunks whose filter mask skips filters: written raw with
        # write_direct_chunk. Chunk 0 is filtered normally, chunk 1 not.
        m = f.create_group("filter_mask")
        values = np.arange(16, dtype="<i4") * 1001
        for name, kwargs, shape, maxshape in [
            ("fixed", {}, (16,), (16,)),
            ("unlimited", {}, (16,), (None,)),
            ("two_unlimited", {}, (2, 8), (None, None)),
        ]:
            d = m.create_dataset("deflate_" + name, shape=shape, maxshape=maxshape, dtype="<i4",
                                 chunks=(1, 8)[-len(shape):] if len(shape) == 2 else (8,),
                                 compression="gzip", **kwargs)
            flat = values.reshape(shape)
            if len(shape) == 1:
                d[0:8] = flat[0:8]
                d.id.write_direct_chunk((8,), flat[8:16].tobytes(), filter_mask=1)
            else:
                d[0:1] = flat[0:1]
                d.id.write_direct_chunk((1, 0), flat[1:2].tobytes(), filter_mask=1)
            # shuffle + deflate, second chunk only shuffled (deflate skipped)
            d2 = m.create_dataset("shuffle_deflate_" + name, shape=shape, maxshape=maxshape,
                                  dtype="<i4",
                                  chunks=(1, 8) if len(shape) == 2 else (8,),
                                  shuffle=True, compression="gzip")
            if len(shape) == 1:
                d2[0:8] = flat[0:8]
                d2.id.write_direct_chunk((8,), shuffle_bytes(flat[8:16].tobytes(), 4),
                                         filter_mask=0b10)
            else:
                d2[0:1] = flat[0:1]
                d2.id.write_direct_chunk((1, 0), shuffle_bytes(flat[1:2].tobytes(), 4),
                                         filter_mask=0b10)
        # A single-chunk dataset (filtered single chunk index) stored unfiltered.
        s = m.create_dataset("deflate_single", shape=(8,), dtype="<i4", chunks=(8,),
                             compression="gzip")
        s.id.write_direct_chunk((0,), values[:8].tobytes(), filter_mask=1)

        # Fill values, unwritten and partially written datasets.
        v = f.create_group("fill")
        v.create_dataset("never_written_fill", shape=(10,), dtype="<f4", fillvalue=1.5)
        v.create_dataset("never_written_nofill", shape=(4, 3), dtype="<i8")
        v.create_dataset("never_written_chunked", shape=(5, 5), dtype="<i2", chunks=(2, 2),
                         fillvalue=-3)
        v.create_dataset("never_written_compact", shape=(3,), dtype="<u2", fillvalue=9,
                         dcpl=dcpl_with(h5d.COMPACT))
        pw = v.create_dataset("partial_chunked", shape=(10, 10), dtype="<i2", chunks=(3, 3),
                              fillvalue=-7)
        pw[0:4, 0:2] = 5
        pw[9, 9] = 99
        pd = v.create_dataset("partial_deflate", shape=(100,), dtype=">i4", chunks=(10,),
                              compression="gzip", fillvalue=123456)
        pd[35:52] = np.arange(17)
        v.create_dataset("fill_compound", shape=(3,), dtype=[("a", "<i2"), ("b", "<f4")],
                         fillvalue=np.array((1, 2.5), dtype=[("a", "<i2"), ("b", "<f4")]),
                         chunks=(1,))
        v["fill_compound"][1] = (7, 8.0)
        v.create_dataset("fill_fixed_string", shape=(3,), dtype="S4", fillvalue=b"ab",
                         chunks=(1,))
        v["fill_fixed_string"][0] = b"wxyz"
        # unwritten variable-length strings read as empty strings
        v.create_dataset("fill_vlen_str", shape=(5,), dtype=h5py.string_dtype(), chunks=(2,))
        v["fill_vlen_str"][1] = "written"

        # Resized datasets.
        r = f.create_group("resized")
        g = r.create_dataset("grown", shape=(4, 3), maxshape=(None, 3), dtype="<i4",
                             chunks=(2, 3), fillvalue=-1)
        g[...] = np.arange(12).reshape(4, 3)
        g.resize((7, 3))
        g[5] = [50, 51, 52]
        s = r.create_dataset("shrunk", data=np.arange(30, dtype="<f8").reshape(6, 5),
                             maxshape=(None, None), chunks=(4, 4))
        s.resize((5, 3))
        z = r.create_dataset("to_zero", data=np.arange(10, dtype="u1"), maxshape=(None,),
                             chunks=(4,))
        z.resize((0,))
        r.create_dataset("empty_unlimited", shape=(0, 3), maxshape=(None, 3), dtype="<f4",
                         chunks=(8, 3))

        # Multi-dimensional chunked datasets with edge chunks.
        n = f.create_group("ndim")
        n.create_dataset("d3_deflate", data=rng.integers(0, 1 << 30, (5, 7, 9), dtype="<i4"),
                         chunks=(2, 3, 4), compression="gzip")
        n.create_dataset("d4_shuffle", data=rng.normal(size=(3, 4, 5, 6)),
                         chunks=(2, 3, 2, 4), shuffle=True, maxshape=(None, 4, 5, None))
        n.create_dataset("d3_be_u2", data=rng.integers(0, 60000, (4, 5, 6)).astype(">u2"),
                         chunks=(3, 3, 3))


# --------------------------------------------------------------------------
# types_<LV>.h5
# --------------------------------------------------------------------------

def make_types(path, lv):
    rng = np.random.default_rng(3)
    with open_file(path, lv) as f:
        n = f.create_group("numbers")
        for code in ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]:
            info = np.iinfo(code)
            vals = np.concatenate([np.array([info.min, info.max, 0], dtype=code),
                                   rng.integers(info.min, info.max, 13, dtype=code,
                                                endpoint=True)])
            for order in ("<>" if np.dtype(code).itemsize > 1 else "|"):
                n.create_dataset(order.replace("|", "") + code + "_" +
                                 {"<": "le", ">": "be", "|": "1"}[order],
                                 data=vals.astype(np.dtype(code).newbyteorder(order)
                                                  if order != "|" else code))
        with np.errstate(over="ignore"):
            for code in ["f2", "f4", "f8"]:
                vals = np.concatenate([[0.1, -0.0, np.nan, np.inf, -np.inf, 1e-40],
                                       rng.normal(size=10) * 1000]).astype(code)
                for order in "<>":
                    n.create_dataset(code + "_" + {"<": "le", ">": "be"}[order],
                                     data=vals.astype(np.dtype(order + code)), chunks=(4,))
        n.create_dataset("bool", data=np.array([True, False, False, True, True]))
        n.create_dataset("enum_i2", data=np.array([[0, 1], [5, -3]], dtype="<i2"),
                         dtype=h5py.enum_dtype({"A": 0, "B": 1, "C": 5, "D": -3}, basetype="<i2"))
        n.create_dataset("enum_be_u4", data=np.array([7, 9, 7], dtype=">u4"),
                         dtype=h5py.enum_dtype({"X": 7, "Y": 9}, basetype=">u4"))
        bf = h5t.STD_B8LE.copy()
        raw_dataset(n, "bitfield8", bf, (4,), np.array([1, 2, 0x80, 0xFF], dtype="u1"))
        bf = h5t.STD_B32BE.copy()
        raw_dataset(n, "bitfield32_be", bf, (2,), np.array([1, 0xDEADBEEF], dtype=">u4"))

        s = f.create_group("strings")
        s.create_dataset("vlen_utf8", data=["", "a", "héllo", "日本語のテキスト", "x" * 100],
                         dtype=h5py.string_dtype())
        s.create_dataset("vlen_ascii", data=[b"abc", b"", b"with\xffbyte"],
                         dtype=h5py.string_dtype("ascii"))
        s.create_dataset("vlen_2d_chunked", data=[["a", "b", "c"], ["dd", "", "ffff"]],
                         dtype=h5py.string_dtype(), chunks=(1, 2), compression="gzip")
        s.create_dataset("vlen_scalar", data="just one", dtype=h5py.string_dtype())
        S = {"nullterm": h5t.STR_NULLTERM, "nullpad": h5t.STR_NULLPAD,
             "spacepad": h5t.STR_SPACEPAD}
        raw = {
            "nullterm": [b"ab\0xyz", b"abcdef", b"\0\0\0\0\0\0", b"a b\0\0\0"],
            "nullpad": [b"ab\0\0\0\0", b"abcdef", b"a\0b\0\0\0", b"a b   "],
            "spacepad": [b"ab    ", b"abcdef", b"      ", b"a b\0  "],
        }
        for pad, values in raw.items():
            for cset, cname in [(h5t.CSET_ASCII, "ascii"), (h5t.CSET_UTF8, "utf8")]:
                raw_dataset(s, "fixed_%s_%s" % (pad, cname), fixed_string_type(6, S[pad], cset),
                            (4,), np.array(values, dtype="S6"))
        s.create_dataset("fixed_numpy", data=np.array([b"one", b"three", b""], dtype="S5"))
        raw_dataset(s, "fixed_utf8_multibyte", fixed_string_type(7, S["nullpad"], h5t.CSET_UTF8),
                    (2, 2), np.array(["é✓".encode(), b"", "日".encode(), b"abcdefg"],
                                     dtype="S7").reshape(2, 2))

        c = f.create_group("compound")
        packed = np.dtype([("a", "i1"), ("b", "<f8"), ("c", ">u2")])
        c.create_dataset("packed", data=np.array([(1, 1.5, 2), (-1, -2.5, 65535)], dtype=packed))
        aligned = np.dtype({"names": ["x", "y", "z"], "formats": ["u1", "<i4", "<f8"],
                            "offsets": [0, 4, 16], "itemsize": 32})
        c.create_dataset("aligned", data=np.array([(1, 2, 3.0), (4, 5, 6.0), (7, 8, 9.0)],
                                                  dtype=aligned), chunks=(2,))
        nested = np.dtype([("id", "<u8"), ("pos", [("x", "<f4"), ("y", "<f4")]),
                           ("tags", "S3"), ("vec", "<i2", (2, 2))])
        c.create_dataset("nested", data=np.array(
            [(1, (0.5, 1.5), b"ab", [[1, 2], [3, 4]]), (2, (2.5, 3.5), b"xyz", [[5, 6], [7, 8]])],
            dtype=nested))
        with_enum_bool = np.dtype([("flag", "?"),
                                   ("kind", h5py.enum_dtype({"P": 1, "Q": 2}, basetype="u1"))])
        c.create_dataset("enum_bool_members", data=np.array([(True, 1), (False, 2)],
                                                            dtype=with_enum_bool))
        # Variable-length strings inside a compound (see refdump.element_bytes
        # for how the reference digests the fixed-string member next to them).
        vs = np.dtype([("name", h5py.string_dtype()), ("code", "S4"), ("n", "<i4")])
        c.create_dataset("with_vlen_str", data=np.array([("alpha", b"A1", 1), ("", b"BBBB", 2)],
                                                        dtype=vs))
        a = f.create_group("array")
        for name, base, dims, data in [
            ("array_i4", "<i4", (2, 3), np.arange(24, dtype="<i4").reshape(4, 2, 3)),
            ("array_be_f8", ">f8", (3,), np.arange(6, dtype=">f8").reshape(2, 3)),
            ("array_strings", "S3", (2,), np.array([[b"a", b"bc"], [b"", b"def"]], dtype="S3")),
        ]:
            d = a.create_dataset(name, shape=data.shape[:-len(dims)],
                                 dtype=np.dtype((base, dims)))
            d[...] = data

        o = f.create_group("other")
        o.create_dataset("opaque", data=np.array([b"\x01\x02\x03\x04", b"\xff\0\0\x01"],
                                                 dtype="V4"))
        o.create_dataset("vlen_i4", shape=(3,), dtype=h5py.vlen_dtype("<i4"))
        o["vlen_i4"][0] = [1, 2, 3]
        o["vlen_i4"][1] = []
        o["vlen_i4"][2] = [4]
        o.create_dataset("objrefs", data=[f.ref, f["numbers"].ref], dtype=h5py.ref_dtype)

        sp = f.create_group("spaces")
        sp.create_dataset("scalar_f8", data=3.25)
        sp.create_dataset("scalar_chunkless_str", data=np.bytes_(b"scalar"))
        sp.create_dataset("null", data=h5py.Empty("<i4"))
        sp.create_dataset("empty_1d", shape=(0,), dtype="<f4")
        sp.create_dataset("empty_2d_chunked", shape=(3, 0), dtype="<i2", chunks=(2, 2),
                          maxshape=(None, None))


# --------------------------------------------------------------------------
# misc_*.h5
# --------------------------------------------------------------------------

def make_misc():
    files = []
    path = os.path.join(OUT, "misc_userblock.h5")
    with h5py.File(path, "w", userblock_size=512, libver="v110") as f:
        f["data"] = np.arange(10, dtype="<i4")
        f.attrs["note"] = "file with a 512-byte user block"
    with open(path, "r+b") as fh:
        fh.write(b"user block content\n")
    files.append(path)

    path = os.path.join(OUT, "misc_paged.h5")
    with h5py.File(path, "w", libver="latest", fs_strategy="page", fs_page_size=4096,
                   fs_persist=True) as f:
        f["a/b"] = np.arange(100, dtype="<f8")
        f["c"] = np.arange(7, dtype="u1")
    files.append(path)

    path = os.path.join(OUT, "misc_lzf.h5")
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("lzf", data=np.arange(1000, dtype="<i4") % 17, chunks=(100,),
                         compression="lzf")
        f.create_dataset("shuffle_lzf", data=np.arange(300, dtype="<f8").reshape(30, 10),
                         chunks=(7, 4), shuffle=True, compression="lzf")
    files.append(path)

    # The n-bit and scale-offset filters, and integers whose precision is
    # narrower than their size.
    path = os.path.join(OUT, "extras_nbit_scaleoffset.h5")
    rng = np.random.default_rng(4)
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("scaleoffset_int", data=rng.integers(1000, 1100, 200, dtype="<i4"),
                         chunks=(50,), scaleoffset=0)
        f.create_dataset("scaleoffset_float", data=rng.normal(size=200), chunks=(50,),
                         scaleoffset=3)
        # A 12-bit integer at bit offset 2 of a 4-byte field, without and
        # with the n-bit filter: values are read sign-extended from the 12 bits.
        vals = (np.arange(256, dtype="<i4") - 128) * 4
        for name, dcpl in [("int12_offset2", None), ("nbit", h5p.create(h5p.DATASET_CREATE))]:
            if dcpl is not None:
                dcpl.set_chunk((64,))
                dcpl.set_filter(h5z.FILTER_NBIT, h5z.FLAG_OPTIONAL)
            int12 = h5t.STD_I32LE.copy()
            int12.set_precision(12)
            int12.set_offset(2)
            did = raw_dataset(f, name, int12, (256,), dcpl=dcpl)
            did.write(h5s.ALL, h5s.ALL, np.ascontiguousarray(vals), mtype=h5t.STD_I32LE)
    files.append(path)
    return files


# --------------------------------------------------------------------------

def write_dump(path):
    with open(path + ".jsonl", "w", encoding="utf-8") as out:
        refdump.Dumper(out).dump_file(path)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):  # start from scratch
        if name.endswith((".h5", ".hdf5", ".jsonl")):
            os.remove(os.path.join(OUT, name))
    files = []
    for lv in LIBVERS:
        for topic, make in [("groups", make_groups), ("attrs", make_attrs),
                            ("layouts", make_layouts), ("types", make_types)]:
            path = os.path.join(OUT, "%s_%s.h5" % (topic, lv))
            make(path, lv)
            files.append(path)
    files += make_misc()
    total = 0
    for path in files:
        write_dump(path)
        size = os.path.getsize(path)
        total += size + os.path.getsize(path + ".jsonl")
        print("%-40s %8d bytes" % (os.path.relpath(path, HERE), size))
    print("total with dumps: %d bytes" % total)


if __name__ == "__main__":
    main()
