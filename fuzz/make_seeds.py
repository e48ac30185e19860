#!/usr/bin/env python3
"""Writes small valid inputs for each fuzz target into DIR/<target>/, the seeds a fuzz run
starts from. Standard library only: the .mat and .png writers follow the published
format documents (MATLAB "MAT-File Format" R2018, PNG RFC 2083)."""
import gzip
import io
import os
import pickle
import struct
import sys
import tarfile
import zlib


def idx(dims, values):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def cifar(n, label_bytes):
    out = b""
    for i in range(n):
        out += bytes([(i * 3 + k) % 10 for k in range(label_bytes)])
        out += bytes((i * 7 + p) % 256 for p in range(3072))
    return out


def pad8(b):
    return b + b"\0" * (-len(b) % 8)


def element(kind, data):
    return struct.pack("<II", kind, len(data)) + pad8(data)


def mat_matrix(name, cls, kind, dims, data):
    flags = element(6, struct.pack("<II", cls, 0))  # miUINT32: class in the low byte
    body = flags + element(5, b"".join(struct.pack("<i", d) for d in dims)) + element(1, name.encode()) + element(kind, data)
    return element(14, body)  # miMATRIX


def mat_file(n, label=lambda i: i % 10 + 1):
    header = b"MATLAB 5.0 MAT-file, nnlab fuzz seed".ljust(116) + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    x = bytes((i * 5) % 256 for i in range(32 * 32 * 3 * n))
    y = b"".join(struct.pack("<d", label(i)) for i in range(n))
    out = header
    for m in (mat_matrix("X", 9, 2, [32, 32, 3, n], x), mat_matrix("y", 6, 9, [n, 1], y)):
        z = zlib.compress(m)
        out += struct.pack("<II", 15, len(z)) + z  # miCOMPRESSED, as the published files
    return out


def png(w, h, colour):
    channels = 3 if colour else 1
    rows = b"".join(b"\0" + bytes((x * 9 + y * 5 + c) % 256 for x in range(w) for c in range(channels)) for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2 if colour else 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def bmp(w, h):
    row = (w * 3 + 3) // 4 * 4
    pixels = b"".join(bytes((x + y * 3) % 256 for x in range(w * 3)).ljust(row, b"\0") for y in range(h))
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 54) + info + pixels


def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def py2_batch(n, label_key=b"labels"):
    """A CIFAR Python-version batch as Python 2's cPickle wrote it (protocol 2, the array
    through numpy's _reconstruct), written opcode by opcode."""
    short = lambda b: b"U" + bytes([len(b)]) + b
    data = bytes((i * 7) % 256 for i in range(3072 * n))
    return (b"\x80\x02}q\x01(" + short(b"data") + b"q\x02cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\n"
            b"q\x04K\x00\x85" + short(b"b") + b"\x87Rq\x05(K\x01K" + bytes([n]) + b"M\x00\x0c\x86cnumpy\ndtype\nq\x06"
            + short(b"u1") + b"K\x00K\x01\x87Rq\x07(K\x03" + short(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T"
            + struct.pack("<i", len(data)) + data + b"tb" + short(label_key) + b"q\x08](" + b"K\x01" * n + b"eu.")


def main(root):
    seeds = {
        "fuzz_idx": {
            "images": idx([2, 4, 3], range(24)),
            "labels": idx([5], [1, 2, 3, 4, 9]),
            "images.gz": gzip.compress(idx([3, 2, 2], range(12))),
        },
        "fuzz_cifar": {"cifar10.bin": cifar(2, 1), "cifar100.bin": cifar(1, 2)},
        "fuzz_tar": {
            "cifar.tar.gz": tar_gz([("cifar-10-batches-bin/data_batch_1.bin", cifar(1, 1)),
                                    ("cifar-10-batches-bin/test_batch.bin", cifar(1, 1))]),
        },
        "fuzz_svhn_mat": {"train.mat": mat_file(2), "one.mat": mat_file(1, lambda i: 10)},
        "fuzz_csv": {
            "table.csv": b"a,b,label\n1.5,2,0\n-3,4e2,1\n\"x\",6,1\n",
            "named.csv": b"\x01w,kind\n1,setosa\n2,virginica\n",
            "sklearn.csv": b"3,2,no,yes\n1.5,2,0\n3,4,1\n5,6,1\n",
            "digits.csv": b"1,2,0\n3,4,1\n5,6,2\n",
        },
        "fuzz_pickle": {
            "batch_py2": py2_batch(2),
            "fine_py2": py2_batch(1, b"fine_labels"),
            "meta_p2": pickle.dumps({b"label_names": [b"airplane"] * 10, b"num_vis": 3072}, protocol=2),
            "meta_p4": pickle.dumps({"fine_label_names": ["apple"] * 100, "coarse_label_names": ["fish"] * 20}, protocol=4),
            "meta_p5": pickle.dumps({b"label_names": [b"x"] * 10, b"t": (None, True, 2 ** 40)}, protocol=5),
        },
        "fuzz_image": {"rgb.png": png(5, 4, True), "grey.png": png(3, 6, False), "rgb.bmp": bmp(4, 3)},
    }
    for target, files in seeds.items():
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(bytes(data))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fuzz-corpus")
