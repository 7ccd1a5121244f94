#!/usr/bin/env python3
"""Reference canonical JSON dump of HDF5 files, made with h5py/libhdf5.

Usage: refdump.py FILE [FILE...]

Prints, for each FILE, one JSON object per line describing every link/object of
the file, in the format defined by ../shared/spec/dump-json.md (the same format
`vtkhdf dump --json FILE` prints). With several files, the dumps are simply
concatenated.

The dump is built from libhdf5's view of the file through h5py: the low-level
API is used for everything the high-level API hides (link kinds, object header
addresses, string padding, layouts, filters, type classes), and the high-level
read (`dset[...]`) for the dataset values, so that values are what libhdf5
converts them to (fill values for unwritten chunks, padding conversions of
fixed-length strings, ...).
"""

import hashlib
import json
import math
import sys

import numpy as np
import h5py
from h5py import h5a, h5d, h5l, h5o, h5s, h5t

try:  # registers the extra filter plugins (lz4, bitshuffle, blosc, zstd, ...)
    import hdf5plugin  # noqa: F401
except ImportError:  # pragma: no cover - optional
    pass

# Names of the filters the spec knows; any other id n is "filter-n".
FILTER_NAMES = {
    1: "deflate",
    2: "shuffle",
    3: "fletcher32",
    4: "szip",
    5: "nbit",
    6: "scaleoffset",
    32000: "lzf",
}

LAYOUT_NAMES = {
    h5d.COMPACT: "compact",
    h5d.CONTIGUOUS: "contiguous",
    h5d.CHUNKED: "chunked",
    h5d.VIRTUAL: "virtual",
}


# --------------------------------------------------------------------------
# Datatypes
# --------------------------------------------------------------------------

def _byte_order_prefix(tid):
    """numpy-style byte-order character of an atomic type ('|' for 1 byte)."""
    if tid.get_size() == 1:
        return "|"
    return ">" if tid.get_order() == h5t.ORDER_BE else "<"


def is_bool_enum(tid):
    """True for h5py's bool: an enum whose members are exactly FALSE=0, TRUE=1."""
    if tid.get_nmembers() != 2:
        return False
    members = {tid.get_member_name(i): tid.get_member_value(i) for i in range(2)}
    return members == {b"FALSE": 0, b"TRUE": 1}


def dtype_name(tid):
    """The spec's name of an HDF5 datatype (low-level TypeID)."""
    cls = tid.get_class()
    size = tid.get_size()
    if cls in (h5t.INTEGER, h5t.FLOAT):
        # The reference names numbers by the numpy dtype h5py maps them to:
        # for non-IEEE floats that is not the stored size (a bfloat16 is read
        # as "<f4", a 12-byte x87 long double as "<f16").
        try:
            return tid.dtype.str
        except Exception:
            pass
    if cls == h5t.INTEGER:
        sign = "i" if tid.get_sign() == h5t.SGN_2 else "u"
        return "%s%s%d" % (_byte_order_prefix(tid), sign, size)
    if cls == h5t.FLOAT:
        return "%sf%d" % (_byte_order_prefix(tid), size)
    if cls == h5t.STRING:
        return "str" if tid.is_variable_str() else "|S%d" % size
    if cls == h5t.BITFIELD:
        return "bitfield%d" % (8 * size)
    if cls == h5t.OPAQUE:
        return "|V%d" % size
    if cls == h5t.REFERENCE:
        return "ref"
    if cls == h5t.ENUM:
        if is_bool_enum(tid):
            return "|b1"
        return "enum(%s)" % dtype_name(tid.get_super())
    if cls == h5t.COMPOUND:
        members = []
        for i in range(tid.get_nmembers()):
            name = tid.get_member_name(i).decode("utf-8", "replace")
            members.append("%s:%s" % (name, dtype_name(tid.get_member_type(i))))
        return "compound(%s)" % ",".join(members)
    if cls == h5t.ARRAY:
        dims = list(tid.get_array_dims())
        return "array(%s,%s)" % (dtype_name(tid.get_super()), dims)
    if cls == h5t.VLEN:
        return "vlen(%s)" % dtype_name(tid.get_super())
    # Classes the spec does not name (time = 2, complex = 11, ...).
    return "class%d" % cls


def holds_unhashable(tid):
    """True if values of this type contain references or vlen sequences
    (their dataset digest is null)."""
    cls = tid.get_class()
    if cls in (h5t.REFERENCE, h5t.VLEN):
        return True
    if cls == h5t.COMPOUND:
        return any(holds_unhashable(tid.get_member_type(i))
                   for i in range(tid.get_nmembers()))
    if cls == h5t.ARRAY:
        return holds_unhashable(tid.get_super())
    return False


# --------------------------------------------------------------------------
# Dataspaces
# --------------------------------------------------------------------------

def space_shape(sid):
    """(shape, maxshape) as the spec prints them; (None, None) for a null
    dataspace."""
    kind = sid.get_simple_extent_type()
    if kind == h5s.NULL:
        return None, None
    if kind == h5s.SCALAR:
        return [], []
    shape = [int(d) for d in sid.shape]
    maxshape = [None if d == h5s.UNLIMITED else int(d)
                for d in sid.get_simple_extent_dims(True)]
    return shape, maxshape


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------

def json_number(x):
    """A numpy/Python scalar number as a JSON-ready Python value."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = float(x)  # long double -> nearest double; f32/f16 exactly
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    return f


def nested(arr, conv):
    """ndarray -> nested lists (C order) of conv(element); 0-d -> conv(element)."""
    if arr.ndim == 0:
        return conv(arr[()])
    if arr.ndim == 1:
        return [conv(x) for x in arr]
    return [nested(sub, conv) for sub in arr]


def decode_fixed(b):
    """A fixed-length string as read by libhdf5 into a null-padded buffer:
    trailing NULs removed (this also implements the null-terminated cut and the
    space-padded trimming, since libhdf5's conversion already turned the cut or
    trimmed part into NULs)."""
    return bytes(b).rstrip(b"\0").decode("utf-8", "replace")


def decode_vlen(b):
    if isinstance(b, str):
        return b
    if b is None:
        return ""
    return bytes(b).split(b"\0", 1)[0].decode("utf-8", "replace")


def attr_value(aid, tid, shape):
    """The JSON value of an attribute, or None where the spec says null."""
    if shape is None:
        return None
    cls = tid.get_class()
    np_shape = tuple(shape)
    if cls == h5t.STRING:
        if tid.is_variable_str():
            arr = np.empty(np_shape, dtype=h5py.string_dtype("ascii"))  # bytes
            mtype = h5t.py_create(arr.dtype)
            aid.read(arr, mtype=mtype)
            return nested(arr, decode_vlen)
        size = tid.get_size()
        arr = np.empty(np_shape, dtype="S%d" % size)
        mtype = tid.copy()  # same size and character set, null-padded
        mtype.set_strpad(h5t.STR_NULLPAD)
        aid.read(arr, mtype=mtype)
        return nested(arr, decode_fixed)
    if cls in (h5t.INTEGER, h5t.FLOAT, h5t.ENUM):
        dt = tid.dtype  # bool for h5py's bool enum, base integer for enums
        arr = np.empty(np_shape, dtype=dt)
        aid.read(arr)
        return nested(arr, json_number)
    return None


# --------------------------------------------------------------------------
# Dataset digest
# --------------------------------------------------------------------------

def canonical_dtype(dt):
    """The numpy dtype whose in-memory bytes are the spec's canonical bytes for
    arrays of dtype dt, or None when values must be serialized one by one
    (variable-length strings)."""
    if dt.hasobject:
        return None
    if dt.subdtype is not None:
        base = canonical_dtype(dt.subdtype[0])
        return None if base is None else np.dtype((base, dt.subdtype[1]))
    if dt.names is not None:
        fields = []
        for name in dt.names:
            sub = canonical_dtype(dt.fields[name][0])
            if sub is None:
                return None
            fields.append((name, sub))
        return np.dtype(fields)  # packed: no padding between members
    if dt.kind in "iufcb":
        return dt.newbyteorder("<")
    return dt  # |S, |V


def element_bytes(value, dt, out):
    """Append the canonical bytes of one element of dtype dt to out: the slow
    path, used for types holding variable-length strings.

    Quirk of the reference dumps (h5py 3.16 corpus): on this path a scalar
    fixed-length string member of a compound is hashed with its trailing NULs
    removed (it is a numpy bytes_ scalar, which drops them), not padded to its
    full size as the spec says. Fixed-length strings inside an array member,
    and every fixed-length string on the fast path (types without
    variable-length strings), keep their full size.
    """
    if dt.subdtype is not None:
        base, _ = dt.subdtype
        if base.hasobject:
            for v in np.asarray(value).reshape(-1):
                element_bytes(v, base, out)
        else:
            out += np.asarray(value, dtype=base).astype(canonical_dtype(base)).tobytes()
    elif dt.names is not None:
        for name in dt.names:
            element_bytes(value[name], dt.fields[name][0], out)
    elif dt.hasobject:  # variable-length string: bytes up to the first NUL, then NUL
        if isinstance(value, str):
            value = value.encode("utf-8")
        out += bytes(value or b"").split(b"\0", 1)[0] + b"\0"
    elif dt.kind == "S":
        out += bytes(value).rstrip(b"\0")  # the quirk described above
    else:
        out += np.asarray(value, dtype=dt).astype(canonical_dtype(dt)).tobytes()


def dataset_digest(dset, tid, shape):
    if shape is None or holds_unhashable(tid):
        return None
    arr = dset[...]
    if not isinstance(arr, np.ndarray):
        arr = np.asarray(arr, dtype=dset.dtype)
    h = hashlib.sha256()
    cdt = canonical_dtype(arr.dtype)
    if cdt is not None:
        h.update(np.ascontiguousarray(arr.astype(cdt)).tobytes())
    else:
        dt = arr.dtype
        out = bytearray()
        for v in arr.reshape(-1):
            element_bytes(v, dt, out)
            if len(out) > 1 << 20:
                h.update(out)
                out.clear()
        h.update(out)
    return "sha256:" + h.hexdigest()


# --------------------------------------------------------------------------
# Objects
# --------------------------------------------------------------------------

def attrs_of(obj):
    """The `attrs` object of a group or dataset (low-level h5py object id)."""
    names = []
    h5a.iterate(obj, lambda name, *args: names.append(name))
    result = {}
    for name in names:
        key = name.decode("utf-8", "replace")
        aid = h5a.open(obj, name)
        tid = aid.get_type()
        shape, _ = space_shape(aid.get_space())
        try:
            value = attr_value(aid, tid, shape)
        except Exception:  # unreadable attribute: value null
            value = None
        result[key] = {"dtype": dtype_name(tid), "shape": shape, "value": value}
    return result


def dataset_line(path, dset):
    did = dset.id
    tid = did.get_type()
    shape, maxshape = space_shape(did.get_space())
    dcpl = did.get_create_plist()
    layout = dcpl.get_layout()
    chunks = None
    if layout == h5d.CHUNKED:
        chunks = [int(c) for c in dcpl.get_chunk()]
    filters = []
    for i in range(dcpl.get_nfilters()):
        code = dcpl.get_filter(i)[0]
        filters.append(FILTER_NAMES.get(code, "filter-%d" % code))
    line = {
        "path": path,
        "kind": "dataset",
        "dtype": dtype_name(tid),
        "shape": shape,
        "maxshape": maxshape,
        "layout": LAYOUT_NAMES.get(layout, "layout-%d" % layout),
        "chunks": chunks,
        "filters": filters,
        "attrs": attrs_of(did),
    }
    line["digest"] = dataset_digest(dset, tid, shape)
    return line


def error_message(e):
    return str(e) or type(e).__name__


class Dumper:
    def __init__(self, out):
        self.out = out
        self.seen = {}  # object header address -> first path printed

    def emit(self, line):
        self.out.write(json.dumps(line, sort_keys=True, ensure_ascii=True) + "\n")

    def dump_file(self, filename):
        with h5py.File(filename, "r") as f:
            self.seen = {}
            self.visit_object("/", f)

    def visit_object(self, path, obj):
        """Print a hard-linked object (and its subtree for a group)."""
        kind = ("group" if isinstance(obj, h5py.Group)
                else "dataset" if isinstance(obj, h5py.Dataset)
                else "datatype")
        try:
            addr = h5o.get_info(obj.id).addr
        except Exception as e:
            self.emit({"path": path, "kind": kind, "error": error_message(e)})
            return
        if addr in self.seen:
            self.emit({"path": path, "kind": kind, "same_as": self.seen[addr]})
            return
        self.seen[addr] = path
        if kind == "datatype":
            self.emit({"path": path, "kind": "datatype"})
            return
        try:
            if kind == "dataset":
                line = dataset_line(path, obj)
            else:
                line = {"path": path, "kind": "group", "attrs": attrs_of(obj.id)}
        except Exception as e:
            line = {"path": path, "kind": kind, "error": error_message(e)}
        self.emit(line)
        if kind == "group" and "error" not in line:
            self.visit_children(path, obj)

    def visit_children(self, path, group):
        names = []
        try:
            group.id.links.iterate(lambda name: names.append(name))
        except Exception as e:
            self.emit({"path": path, "kind": "group", "error": error_message(e)})
            return
        for name in sorted(names):  # bytewise order of the UTF-8 names
            child = (path.rstrip("/") + "/" + name.decode("utf-8", "replace"))
            self.visit_link(child, group, name)

    def visit_link(self, path, group, name):
        try:
            info = group.id.links.get_info(name)
            if info.type == h5l.TYPE_SOFT:
                target = group.id.links.get_val(name)
                self.emit({"path": path, "kind": "soft",
                           "target": target.decode("utf-8", "replace")})
                return
            if info.type == h5l.TYPE_EXTERNAL:
                file, target = group.id.links.get_val(name)
                self.emit({"path": path, "kind": "external",
                           "file": file.decode("utf-8", "replace"),
                           "target": target.decode("utf-8", "replace")})
                return
            if info.type != h5l.TYPE_HARD:
                raise TypeError("Unknown link type")
            obj = group[name]
        except Exception as e:
            self.emit({"path": path, "kind": "unknown", "error": error_message(e)})
            return
        self.visit_object(path, obj)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    dumper = Dumper(sys.stdout)
    status = 0
    for filename in argv[1:]:
        try:
            dumper.dump_file(filename)
        except Exception as e:  # the file itself cannot be opened
            sys.stderr.write("%s: %s\n" % (filename, error_message(e)))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
