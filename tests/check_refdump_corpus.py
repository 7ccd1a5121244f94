#!/usr/bin/env python3
"""Check tests/refdump.py against the corpus reference dumps.

Usage: check_refdump_corpus.py [-v] [CORPUS_DIR] [NAME_FILTER]

Runs refdump.py on every corpus file that has a reference dump (FILE.jsonl) and
compares the two dumps object by object: same paths in the same order, and for
each path the same JSON values (numbers by value). Reference lines holding an
"error" are not compared (libhdf5 itself could not read that object). Prints
the mismatches and a summary; exits 1 if any file differs.

CORPUS_DIR defaults to $VTKHDF_CORPUS, else ../shared/corpus from the project
root.
"""

import concurrent.futures
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REFDUMP = os.path.join(HERE, "refdump.py")
SUBDIRS = ["hdf5/jhdf", "hdf5/pyfive", "hdf5/hdfgroup", "vtkhdf/vtk", "vtkhdf/h5py"]

# Files whose superblock has the "open for write" consistency flag set: libhdf5
# refuses them, so they are dumped from a copy with the flag cleared.
OPEN_FOR_WRITE = {"test_byteshuffle_compressed_datasets_latest.hdf5"}


def lookup3(data, initval=0):
    """Bob Jenkins' lookup3 hashlittle, the checksum of HDF5 metadata."""
    def rot(x, k):
        return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF

    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & 0xFFFFFFFF
    i = 0
    while length > 12:
        a = (a + struct.unpack_from("<I", data, i)[0]) & 0xFFFFFFFF
        b = (b + struct.unpack_from("<I", data, i + 4)[0]) & 0xFFFFFFFF
        c = (c + struct.unpack_from("<I", data, i + 8)[0]) & 0xFFFFFFFF
        a = (a - c) & 0xFFFFFFFF; a ^= rot(c, 4); c = (c + b) & 0xFFFFFFFF
        b = (b - a) & 0xFFFFFFFF; b ^= rot(a, 6); a = (a + c) & 0xFFFFFFFF
        c = (c - b) & 0xFFFFFFFF; c ^= rot(b, 8); b = (b + a) & 0xFFFFFFFF
        a = (a - c) & 0xFFFFFFFF; a ^= rot(c, 16); c = (c + b) & 0xFFFFFFFF
        b = (b - a) & 0xFFFFFFFF; b ^= rot(a, 19); a = (a + c) & 0xFFFFFFFF
        c = (c - b) & 0xFFFFFFFF; c ^= rot(b, 4); b = (b + a) & 0xFFFFFFFF
        i += 12
        length -= 12
    if length == 0:
        return c
    tail = data[i:] + b"\0" * (12 - length)
    a = (a + struct.unpack_from("<I", tail, 0)[0]) & 0xFFFFFFFF
    b = (b + struct.unpack_from("<I", tail, 4)[0]) & 0xFFFFFFFF
    c = (c + struct.unpack_from("<I", tail, 8)[0]) & 0xFFFFFFFF
    c ^= b; c = (c - rot(b, 14)) & 0xFFFFFFFF
    a ^= c; a = (a - rot(c, 11)) & 0xFFFFFFFF
    b ^= a; b = (b - rot(a, 25)) & 0xFFFFFFFF
    c ^= b; c = (c - rot(b, 16)) & 0xFFFFFFFF
    a ^= c; a = (a - rot(c, 4)) & 0xFFFFFFFF
    b ^= a; b = (b - rot(a, 14)) & 0xFFFFFFFF
    c ^= b; c = (c - rot(b, 24)) & 0xFFFFFFFF
    return c


def clear_open_for_write(src, dst):
    """Copy src to dst with the superblock (v2/v3, at offset 0) consistency
    flags cleared and its checksum recomputed."""
    data = bytearray(open(src, "rb").read())
    assert data[:8] == b"\x89HDF\r\n\x1a\n" and data[8] in (2, 3)
    size_of_offsets = data[9]
    data[11] = 0  # file consistency flags
    end = 12 + 4 * size_of_offsets  # base, ext, eof, root object header
    struct.pack_into("<I", data, end, lookup3(bytes(data[:end])))
    open(dst, "wb").write(data)


def run_refdump(path, python):
    """Our dump of path as a list of parsed lines (or an error string)."""
    tmp = None
    try:
        if os.path.basename(path) in OPEN_FOR_WRITE:
            tmp = tempfile.mkdtemp()
            copy = os.path.join(tmp, os.path.basename(path))
            clear_open_for_write(path, copy)
            path = copy
        proc = subprocess.run([python, REFDUMP, path], capture_output=True,
                              timeout=600, cwd=os.path.dirname(path))
        if proc.returncode != 0:
            return "refdump exit %d: %s" % (proc.returncode, proc.stderr.decode()[-500:])
        return [json.loads(l) for l in proc.stdout.decode().splitlines()]
    except Exception as e:
        return "refdump failed: %r" % e
    finally:
        if tmp:
            shutil.rmtree(tmp)


def diff_values(a, b, where, out):
    """Append to out the places where JSON values a (ours) and b (reference)
    differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s: missing key %r" % (where, k))
            elif k not in b:
                out.append("%s: extra key %r" % (where, k))
            else:
                diff_values(a[k], b[k], where + "." + k, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: length %d != %d" % (where, len(a), len(b)))
        else:
            for i, (x, y) in enumerate(zip(a, b)):
                diff_values(x, y, "%s[%d]" % (where, i), out)
                if len(out) > 20:
                    return
    elif isinstance(a, bool) or isinstance(b, bool):
        if a is not b:
            out.append("%s: %r != %r" % (where, a, b))
    elif type(a) in (int, float) and type(b) in (int, float):
        if a != b:
            out.append("%s: %r != %r" % (where, a, b))
    elif a != b or type(a) != type(b):
        out.append("%s: %s != %s" % (where, json.dumps(a)[:200], json.dumps(b)[:200]))


def compare(ours, ref):
    """Mismatch descriptions between two dumps (lists of lines)."""
    out = []
    our_paths = [l.get("path") for l in ours]
    ref_paths = [l.get("path") for l in ref]
    if our_paths != ref_paths:
        out.append("path order differs: ours %d lines, reference %d; first difference at %r"
                   % (len(ours), len(ref),
                      next(((x, y) for x, y in zip(our_paths, ref_paths) if x != y),
                           "end")))
    by_path = {}
    for l in ours:
        by_path.setdefault(l.get("path"), l)
    for r in ref:
        if "error" in r:
            continue
        o = by_path.get(r["path"])
        if o is None:
            out.append("%s: missing" % r["path"])
            continue
        diff_values(o, r, r["path"], out)
    return out


def main(argv):
    verbose = "-v" in argv
    args = [a for a in argv[1:] if a != "-v"]
    root = os.path.abspath(os.path.join(HERE, "..", "..", "shared", "corpus"))
    corpus = args[0] if args else os.environ.get("VTKHDF_CORPUS", root)
    name_filter = args[1] if len(args) > 1 else ""
    if not os.path.isdir(corpus):
        sys.exit("corpus folder %s is missing" % corpus)
    files = []
    for sub in SUBDIRS:
        d = os.path.join(corpus, sub)
        for name in sorted(os.listdir(d)):
            if name.endswith(".jsonl") and name_filter in name:
                files.append(os.path.join(d, name[:-len(".jsonl")]))
    python = sys.executable

    def check(path):
        ours = run_refdump(path, python)
        with open(path + ".jsonl", encoding="utf-8") as fh:
            ref = [json.loads(l) for l in fh]
        if isinstance(ours, str):
            return path, [ours]
        return path, compare(ours, ref)

    bad = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for path, problems in ex.map(check, files):
            if problems:
                bad += 1
                print("DIFF %s" % os.path.relpath(path, corpus))
                for p in problems[: (50 if verbose else 5)]:
                    print("    " + p[:400])
            elif verbose:
                print("ok   %s" % os.path.relpath(path, corpus))
    print("%d of %d corpus dumps reproduced, %d differ" % (len(files) - bad, len(files), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
