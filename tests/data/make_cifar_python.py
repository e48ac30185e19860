#!/usr/bin/python3
"""Writes a small CIFAR-10 or CIFAR-100 in the Python version's exact published layout
(cifar-10-batches-py/ with data_batch_1..5, test_batch, batches.meta; cifar-100-python/
with train, test, meta), and hostile pickles for the reader's refusal tests.

  make_cifar_python.py cifar10|cifar100 OUT N_PER_BATCH FORM NAMES_FILE [--tar]
  make_cifar_python.py hostile OUT

FORM is py2 (the bytes Python 2's cPickle wrote: protocol 2, str as SHORT_BINSTRING or
BINSTRING, the array through numpy.core.multiarray._reconstruct with its raw bytes; written
opcode by opcode here, since Python 3 spells bytes otherwise) or p2, p4, p5 (that file loaded
by Python 3's pickle and dumped again with protocol 2, 4 or 5). --tar also packs the folder
as the published .tar.gz. NAMES_FILE holds the class names, one line of them for
CIFAR-10, two (fine, coarse) for CIFAR-100, as the meta files list them. Images hold the value the C++ tests' pixel_value gives and labels
the tests' label formulas, so the tests compare them with the binary version pixel for pixel.
Each py2 file is checked with pickletools.dis and loaded back with pickle and numpy."""
import io
import os
import pickle
import pickletools
import struct
import sys
import tarfile

import numpy


def pixel_value(sample, channel, row, col):
    return (sample * 37 + channel * 101 + row * 7 + col * 13 + row * col) % 256


def images(first, n):
    s = numpy.arange(first, first + n, dtype=numpy.int64).reshape(n, 1, 1, 1)
    c = numpy.arange(3).reshape(1, 3, 1, 1)
    r = numpy.arange(32).reshape(1, 1, 32, 1)
    k = numpy.arange(32).reshape(1, 1, 1, 32)
    return ((s * 37 + c * 101 + r * 7 + k * 13 + r * k) % 256).astype(numpy.uint8).reshape(n, 3072)


def cifar10_label(i):
    return (i * 7 + i // 13) % 10


def coarse_label(i):
    return (i * 3 + 1) % 20


def fine_label(i):
    return (i * 11 + i // 7) % 100


class Py2Pickler:
    """The opcodes Python 2.7's cPickle.dump(obj, f, 2) writes for these values: memo keys
    start at 1 (cPickle's put2), lists and dicts go in batches of 1000 via APPENDS/SETITEMS."""

    def __init__(self):
        self.out = io.BytesIO()
        self.memo = 0

    def w(self, b):
        self.out.write(b)

    def put(self):
        self.memo += 1
        self.w(b"q" + bytes([self.memo]) if self.memo < 256 else b"r" + struct.pack("<I", self.memo))

    def int_(self, v):
        if 0 <= v < 256:
            self.w(b"K" + bytes([v]))
        elif 0 <= v < 65536:
            self.w(b"M" + struct.pack("<H", v))
        else:
            self.w(b"J" + struct.pack("<i", v))

    def str_(self, b, memo=True):  # a Python 2 str: raw bytes; cPickle never memoized 1-byte ones
        memo = memo and len(b) > 1
        self.w((b"U" + bytes([len(b)])) if len(b) < 256 else (b"T" + struct.pack("<i", len(b))))
        self.w(b)
        if memo:
            self.put()

    def list_(self, items, each):
        self.w(b"]")
        self.put()
        for start in range(0, len(items), 1000):
            chunk = items[start:start + 1000]
            if len(chunk) == 1:
                each(chunk[0])
                self.w(b"a")
            else:
                self.w(b"(")
                for x in chunk:
                    each(x)
                self.w(b"e")

    def array(self, a):
        self.w(b"cnumpy.core.multiarray\n_reconstruct\n")
        self.put()
        self.w(b"cnumpy\nndarray\n")
        self.put()
        self.w(b"K\x00\x85")
        self.str_(b"b", memo=False)
        self.w(b"\x87R")
        self.put()
        self.w(b"(K\x01")
        for d in a.shape:
            self.int_(d)
        self.w(b"\x86cnumpy\ndtype\n")
        self.put()
        self.str_(b"u1", memo=False)  # made by dtype.__reduce__, so cPickle had no reason to memoize it
        self.w(b"K\x00K\x01\x87R")
        self.put()
        self.w(b"(K\x03")
        self.str_(b"|", memo=False)
        self.w(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89")
        self.str_(a.tobytes(), memo=False)
        self.w(b"tb")

    def dict_(self, entries):
        self.w(b"\x80\x02}")
        self.put()
        self.w(b"(")
        for key, kind, value in entries:
            self.str_(key)
            if kind == "array":
                self.array(value)
            elif kind == "ints":
                self.list_(value, self.int_)
            elif kind == "strs":
                self.list_(value, self.str_)
            elif kind == "int":
                self.int_(value)
            else:
                self.str_(value)
        self.w(b"u.")
        return self.out.getvalue()


def check_py2(data, entries):
    # pickletools.dis on small files; on large ones its text would repeat the 30 MB of
    # pixels, so the same decoder's opcode stream (pickletools.genops) is checked instead.
    if len(data) < (1 << 20):
        text = io.StringIO()
        pickletools.dis(data, out=text)
        dis = text.getvalue()
        assert "highest protocol among opcodes = 2" in dis, dis[-200:]
        assert "BINUNICODE" not in dis and "BINBYTES" not in dis, "Python 2 wrote str, never unicode or bytes"
    names = {op.name for op, _, _ in pickletools.genops(data)}
    assert max(op.proto for op, _, _ in pickletools.genops(data)) == 2
    assert not names & {"BINUNICODE", "SHORT_BINBYTES", "BINBYTES", "STACK_GLOBAL", "MEMOIZE", "FRAME"}, names
    loaded = pickle.loads(data, encoding="bytes")
    assert list(loaded) == [k for k, _, _ in entries]
    for key, kind, value in entries:
        if kind == "array":
            assert loaded[key].dtype == numpy.uint8 and (loaded[key] == value).all()
        else:
            assert loaded[key] == value, key


def batch_entries(cifar100, label, first, n):
    # The keys in the order the published files have them (Python 2's dict order).
    idx = range(first, first + n)
    filenames = (b"filenames", "strs", [b"image_%06d.png" % i for i in idx])
    if cifar100:
        return [filenames, (b"batch_label", "str", label),
                (b"fine_labels", "ints", [fine_label(i) for i in idx]),
                (b"coarse_labels", "ints", [coarse_label(i) for i in idx]),
                (b"data", "array", images(first, n))]
    return [(b"data", "array", images(first, n)), (b"labels", "ints", [cifar10_label(i) for i in idx]),
            (b"batch_label", "str", label), filenames]


def meta_entries(cifar100, names):
    if cifar100:
        return [(b"fine_label_names", "strs", names[0]), (b"coarse_label_names", "strs", names[1])]
    return [(b"num_cases_per_batch", "int", 10000), (b"label_names", "strs", names), (b"num_vis", "int", 3072)]


def repickle(data, form):
    # torchvision loads with encoding="latin1" (str keys), Keras with "bytes": both re-pickled.
    protocol = int(form[1:])
    obj = pickle.loads(data, encoding="latin1" if protocol == 4 else "bytes")
    out = pickle.dumps(obj, protocol=protocol)
    dis = io.StringIO()
    pickletools.dis(out, out=dis)
    assert dis.getvalue().startswith("    0: \\x80 PROTO      %d" % protocol), dis.getvalue()[:80]
    return out


def write_dataset(which, out, n, form, names_file, tar):
    cifar100 = which == "cifar100"
    folder = "cifar-100-python" if cifar100 else "cifar-10-batches-py"
    files = []
    if cifar100:
        names = tuple([s.encode() for s in line.split()] for line in open(names_file).read().splitlines()[:2])
        files.append(("train", batch_entries(True, b"training batch 1 of 1", 0, 5 * n)))
        files.append(("test", batch_entries(True, b"testing batch 1 of 1", 5 * n, n)))
        files.append(("meta", meta_entries(True, names)))
    else:
        names = [s.encode() for s in open(names_file).readline().split()]
        for b in range(5):
            files.append(("data_batch_%d" % (b + 1), batch_entries(False, b"training batch %d of 5" % (b + 1), b * n, n)))
        files.append(("test_batch", batch_entries(False, b"testing batch 1 of 1", 5 * n, n)))
        files.append(("batches.meta", meta_entries(False, names)))
    os.makedirs(os.path.join(out, folder), exist_ok=True)
    for name, entries in files:
        data = Py2Pickler().dict_(entries)
        check_py2(data, entries)
        if form != "py2":
            data = repickle(data, form)
        with open(os.path.join(out, folder, name), "wb") as f:
            f.write(data)
    if tar:
        archive = os.path.join(out, folder.replace("cifar-10-batches-py", "cifar-10-python") + ".tar.gz")
        with tarfile.open(archive, "w:gz") as t:
            t.add(os.path.join(out, folder), arcname=folder)


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def write_hostile(out):
    os.makedirs(out, exist_ok=True)
    marker = os.path.join(out, "PWNED")
    files = {
        # Real __reduce__ payloads as Python 3 pickles them (posix.system, builtins.eval).
        "reduce_system_p2": pickle.dumps(Reduce(os.system, ("touch " + marker,)), protocol=2),
        "reduce_system_p4": pickle.dumps(Reduce(os.system, ("touch " + marker,)), protocol=4),
        "reduce_eval_p5": pickle.dumps(Reduce(eval, ("open(%r, 'w')" % marker,)), protocol=5),
        # Written by hand, Python 2 spelling: GLOBAL 'os system' + REDUCE.
        "global_os_system": b"\x80\x02cos\nsystem\nq\x01U\x0ctouch PWNED!\x85R.",
        # Inside a CIFAR dict, where the batch's 'data' would be.
        "dict_with_payload": pickle.dumps({b"data": Reduce(os.system, ("touch " + marker,)), b"labels": []}, protocol=2),
    }
    for name, data in files.items():
        dis = io.StringIO()
        pickletools.dis(data, out=dis)
        assert "GLOBAL" in dis.getvalue() or "STACK_GLOBAL" in dis.getvalue()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    if sys.argv[1] == "hostile":
        write_hostile(sys.argv[2])
    else:
        write_dataset(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], "--tar" in sys.argv[6:])
