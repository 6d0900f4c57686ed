#!/usr/bin/env python3
"""Deterministic OCI test images, built without Docker: layer tars from a list of entries
(fixed mtimes, owners, modes; symlinks, hard links, FIFOs, devices, pax xattrs, whiteouts),
gzip with a fixed header, and an OCI image layout (oci-layout, index.json, blobs/sha256).
The same input gives the same bytes, so digests can be compared across tools.

  ociimage.py three-layer DIR        layout with tag v1: three layers with whiteouts, an
                                     opaque dir, hard links, xattrs (linux/amd64)
  ociimage.py multiarch DIR          layout with tag multi: an image index of linux/amd64,
                                     linux/arm64/v8, linux/arm/v7, linux/arm/v6, each with
                                     /etc/platform naming its platform
  ociimage.py big DIR MB             layout with tag big: one layer of MB MiB of file data,
                                     half random, half text (the pull benchmark)
  ociimage.py hostile DIR KIND       layout with tag v1 whose one layer holds a hostile entry:
                                     dotdot, absolute, symlink-escape, device
  ociimage.py busybox DIR BUSYBOX    layout with tag latest: a runnable image, the static
                                     BUSYBOX and its applet links in one layer, /etc in a second

Imported by hostile-registry.py for the same images and layers.
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

MTIME = 1700000000
CREATED = "2023-11-14T22:13:20Z"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def E(kind, name, data=b"", mode=None, uid=0, gid=0, target="", xattrs=None, dev=(0, 0)):
    """One layer entry. kind: dir file symlink hardlink fifo char block whiteout opaque."""
    return dict(kind=kind, name=name, data=data, mode=mode, uid=uid, gid=gid, target=target,
                xattrs=xattrs or {}, dev=dev)


TYPES = {"dir": tarfile.DIRTYPE, "file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE,
         "hardlink": tarfile.LNKTYPE, "fifo": tarfile.FIFOTYPE, "char": tarfile.CHRTYPE,
         "block": tarfile.BLKTYPE, "whiteout": tarfile.REGTYPE, "opaque": tarfile.REGTYPE}
DEFAULT_MODE = {"dir": 0o755, "symlink": 0o777, "hardlink": 0o644, "fifo": 0o644}


def tarinfo(e):
    name = e["name"]
    if e["kind"] == "whiteout":
        d, b = os.path.split(name)
        name = os.path.join(d, ".wh." + b)
    elif e["kind"] == "opaque":
        name = os.path.join(name, ".wh..wh..opq")
    ti = tarfile.TarInfo(name)
    ti.type = TYPES[e["kind"]]
    ti.mode = e["mode"] if e["mode"] is not None else DEFAULT_MODE.get(e["kind"], 0o644)
    ti.uid, ti.gid, ti.uname, ti.gname = e["uid"], e["gid"], "", ""
    ti.mtime = MTIME
    if e["kind"] in ("symlink", "hardlink"):
        ti.linkname = e["target"]
    if e["kind"] in ("char", "block"):
        ti.devmajor, ti.devminor = e["dev"]
    if e["kind"] == "file":
        ti.size = len(e["data"])
    if e["xattrs"]:
        ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in e["xattrs"].items()}
    return ti


def layer_tar(entries):
    """The uncompressed layer: a pax tar of ENTRIES in the order given."""
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            ti = tarinfo(e)
            t.addfile(ti, io.BytesIO(e["data"]) if ti.isreg() else None)
    return b.getvalue()


def gz(data):
    """gzip with mtime 0 and no file name: the same bytes every time with one zlib."""
    b = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=b, mtime=0, compresslevel=6) as g:
        g.write(data)
    return b.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Layout:
    """An OCI image layout being written: blobs now, index.json at close()."""

    def __init__(self, path):
        self.path = path
        self.refs = []
        os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "wb") as f:
            f.write(dumps({"imageLayoutVersion": "1.0.0"}))

    def blob_path(self, digest):
        return os.path.join(self.path, "blobs", "sha256", digest.split(":", 1)[1])

    def put(self, data, media_type):
        d = sha(data)
        with open(self.blob_path(d), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    def tag(self, desc, tag):
        self.refs.append(dict(desc, annotations={"org.opencontainers.image.ref.name": tag}))

    def close(self):
        with open(os.path.join(self.path, "index.json"), "wb") as f:
            f.write(dumps({"schemaVersion": 2, "manifests": self.refs}))


def config(diff_ids, arch="amd64", variant=None, comments=()):
    c = {"created": CREATED, "architecture": arch, "os": "linux",
         "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    "Cmd": ["/bin/sh"], "WorkingDir": "/"},
         "rootfs": {"type": "layers", "diff_ids": diff_ids},
         "history": [{"created": CREATED, "created_by": c} for c in comments]}
    if variant:
        c["variant"] = variant
    return c


def image(layout, layers, arch="amd64", variant=None):
    """Writes LAYERS (lists of entries) as one image; returns its manifest descriptor."""
    descs, diff_ids = [], []
    for entries in layers:
        raw = layer_tar(entries)
        diff_ids.append(sha(raw))
        descs.append(layout.put(gz(raw), MT_LAYER))
    return image_of(layout, descs, diff_ids, arch, variant)


def image_of(layout, descs, diff_ids, arch="amd64", variant=None):
    cfg = config(diff_ids, arch, variant, ["layer %d" % i for i in range(len(descs))])
    m = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
         "config": layout.put(dumps(cfg), MT_CONFIG), "layers": descs}
    desc = layout.put(dumps(m), MT_MANIFEST)
    plat = {"architecture": arch, "os": "linux"}
    if variant:
        plat["variant"] = variant
    return dict(desc, platform=plat)


def three_layers():
    """Three layers that exercise what an unpacker must get right, each case named."""
    x = {"user.note": "kept"}
    l1 = [E("dir", "bin"), E("dir", "etc"), E("dir", "usr"), E("dir", "usr/lib"),
          E("file", "bin/tool", b"#!/bin/sh\necho tool v1\n", 0o755),
          E("hardlink", "bin/tool-hard", target="bin/tool"),          # then bin/tool changes
          E("file", "bin/pair", b"pair\n", 0o640, 5, 6),
          E("hardlink", "usr/lib/pair-hard", target="bin/pair"),      # stays linked
          E("symlink", "bin/sh", target="tool"),
          E("symlink", "usr/lib/abs", target="/etc/hostname"),
          E("file", "etc/hostname", b"one\n"),
          E("file", "etc/shadow", b"root:*:1::::::\n", 0o600, 0, 42),
          E("file", "usr/lib/suid", b"s\n", 0o4755),
          E("file", "usr/lib/sgid-sticky", b"g\n", 0o3775),
          E("file", "usr/lib/xattr", b"x\n", 0o644, 1000, 1000, xattrs=x),
          E("fifo", "usr/lib/fifo", mode=0o600),
          E("file", "gone", b"whited out in layer 2\n"),
          E("file", "back", b"whited out in 2, back in 3\n"),
          E("dir", "gone-dir"), E("file", "gone-dir/f", b"f\n"),
          E("dir", "opq"), E("file", "opq/old", b"hidden by the opaque dir\n"),
          E("dir", "opq/sub"), E("file", "opq/sub/deep", b"deep\n"),
          E("dir", "modes", mode=0o700, uid=7, gid=7), E("file", "modes/f", b"m\n", 0o600)]
    l2 = [E("whiteout", "gone"), E("whiteout", "back"), E("whiteout", "gone-dir"),
          E("dir", "opq", mode=0o750), E("opaque", "opq"), E("file", "opq/new", b"new in 2\n"),
          E("file", "etc/hostname", b"two\n"),
          E("dir", "modes", mode=0o751, uid=8, gid=9, xattrs={"user.dir": "on a dir"}),
          E("file", "modes/f", b"m\n", 0o444, 3, 4),
          E("dir", "l2"), E("file", "l2/a", b"a\n"), E("file", "l2/b", b"b\n"),
          E("symlink", "l2/rel", target="../etc/hostname")]
    l3 = [E("file", "back", b"back in 3\n", 0o600),
          E("file", "bin/tool", b"#!/bin/sh\necho tool v3\n", 0o755),
          E("whiteout", "l2/a"), E("file", "l2/c", b"c in 3\n"),
          E("dir", "usr/lib/new", xattrs={"user.a": "1", "user.b": "2"}),
          E("file", "usr/lib/new/empty", b"")]
    return [l1, l2, l3]


def build_three_layer(path):
    lay = Layout(path)
    lay.tag(image(lay, three_layers()), "v1")
    lay.close()


PLATFORMS = [("amd64", None), ("arm64", "v8"), ("arm", "v7"), ("arm", "v6")]


def build_multiarch(path):
    lay = Layout(path)
    descs = []
    for arch, variant in PLATFORMS:
        name = "linux/%s%s" % (arch, "/" + variant if variant else "")
        descs.append(image(lay, [[E("dir", "etc"), E("file", "etc/platform",
                                                      (name + "\n").encode())]], arch, variant))
    idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descs}
    lay.tag(lay.put(dumps(idx), MT_INDEX), "multi")
    lay.close()


HOSTILE = {
    "dotdot": [E("file", "ok", b"ok\n"), E("file", "../../escaped", b"out\n")],
    "absolute": [E("file", "ok", b"ok\n"), E("file", "/etc/ocibox-escaped", b"out\n")],
    "symlink-escape": [E("symlink", "esc", target="/tmp"),
                       E("file", "esc/ocibox-escaped", b"through the link\n")],
    "device": [E("char", "dev-mem", mode=0o666, dev=(1, 1))],
}


def build_hostile(path, kind):
    lay = Layout(path)
    lay.tag(image(lay, [HOSTILE[kind]]), "v1")
    lay.close()


class HashWriter:
    """A write-only file that hashes and counts what passes to the next one."""

    def __init__(self, nxt):
        self.nxt, self.h, self.n = nxt, hashlib.sha256(), 0

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.nxt.write(b) if self.nxt else len(b)

    def flush(self):
        pass


def build_big(path, mib):
    """One layer of MIB MiB: half random bytes (1 MiB files), half words (4 KiB..1 MiB files),
    streamed from tarfile through gzip to the blob without holding it in memory."""
    rnd = random.Random(20240601)
    words = ["".join(rnd.choices("etaoinshrdlcumwfgypbvkjxqz", k=rnd.randint(2, 10)))
             for _ in range(4000)]
    lay = Layout(path)
    tmp = os.path.join(path, "layer.tmp")
    with open(tmp, "wb") as f:
        comp = HashWriter(f)
        with gzip.GzipFile(filename="", mode="wb", fileobj=comp, mtime=0, compresslevel=6) as g:
            raw = HashWriter(g)
            with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as t:
                for d in ("rand", "text"):
                    t.addfile(tarinfo(E("dir", d)))
                half, i = mib << 19, 0
                while i * (1 << 20) < half:
                    data = rnd.randbytes(1 << 20)
                    t.addfile(tarinfo(E("file", "rand/%04d" % i, data)), io.BytesIO(data))
                    i += 1
                done, i = 0, 0
                while done < half:
                    n = min(rnd.choice((4096, 65536, 1 << 20)), half - done)
                    text = " ".join(rnd.choices(words, k=n // 4)).encode()[:n]
                    text += b"\n" * (n - len(text))
                    t.addfile(tarinfo(E("file", "text/%05d" % i, text)), io.BytesIO(text))
                    done, i = done + n, i + 1
    digest = "sha256:" + comp.h.hexdigest()
    os.rename(tmp, lay.blob_path(digest))
    desc = {"mediaType": MT_LAYER, "digest": digest, "size": comp.n}
    lay.tag(image_of(lay, [desc], ["sha256:" + raw.h.hexdigest()]), "big")
    lay.close()
    return raw.n, comp.n


def build_busybox(path, busybox):
    """A small runnable image for `make run`: busybox-static and a few applet links."""
    with open(busybox, "rb") as f:
        bb = f.read()
    l1 = [E("dir", "bin"), E("file", "bin/busybox", bb, 0o755)]
    l1 += [E("symlink", "bin/" + a, target="busybox")
           for a in ("sh", "echo", "cat", "uname", "id", "hostname", "ls", "ps", "true")]
    l1 += [E("dir", d) for d in ("dev", "proc", "sys", "tmp", "etc")]
    l2 = [E("file", "etc/os-release", b'PRETTY_NAME="ocibox demo (busybox)"\n', 0o644),
          E("file", "etc/hostname", b"demo\n", 0o644)]
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    lay = Layout(path)
    lay.tag(image(lay, [l1, l2], arch=arch), "latest")
    lay.close()


def main(argv):
    if len(argv) >= 3 and argv[1] == "three-layer":
        build_three_layer(argv[2])
    elif len(argv) >= 3 and argv[1] == "multiarch":
        build_multiarch(argv[2])
    elif len(argv) >= 4 and argv[1] == "big":
        raw, comp = build_big(argv[2], int(argv[3]))
        print("layer: %d bytes, gzip %d bytes" % (raw, comp))
    elif len(argv) >= 4 and argv[1] == "busybox":
        build_busybox(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "hostile" and argv[3] in HOSTILE:
        build_hostile(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
