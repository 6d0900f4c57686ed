#!/usr/bin/env python3
"""Compares two file trees and prints one line per difference: names, types, modes (with
setuid/setgid/sticky), owners, symlink targets, hard-link identity, xattrs, device numbers and
file contents by sha256 (mtimes are not compared: extractors set directory times as they go).
Exit status 0 when equal, 1 when different, 2 on a usage error.

  treecmp.py [--ignore-xattr PREFIX]... [--opaque-xattr NAME] A B

A and B each name a tree:
  DIR                      a directory on disk (an unpacked rootfs, or one layer as overlayfs
                           stores it: whiteouts as 0:0 character devices, opaque directories
                           with trusted.overlay.opaque=y)
  oci:LAYOUT:TAG[@OS/ARCH[/VARIANT]]
                           the merged rootfs of an image of an OCI layout: its layers applied
                           in order in memory, whiteouts and opaque directories honoured (what
                           umoci unpack gives); @.. picks from an index (default linux/amd64)
  layer:LAYOUT:TAG[@..]:N  layer N (from 0) of that image, in overlayfs form (as above)
  tar:FILE[,FILE...]       layer tars (gzip or not) merged in order
  tarlayer:FILE            one layer tar in overlayfs form
"""
import hashlib
import json
import os
import stat
import sys
import tarfile

OPAQUE = ".wh..wh..opq"
WH = ".wh."


class Node:
    __slots__ = ("kind", "mode", "uid", "gid", "target", "sha", "dev", "xattrs", "ino", "layer")

    def __init__(self, kind, mode=0, uid=0, gid=0, target="", sha="", dev=(0, 0), xattrs=None,
                 ino=None, layer=0):
        self.kind, self.mode, self.uid, self.gid = kind, mode, uid, gid
        self.target, self.sha, self.dev = target, sha, dev
        self.xattrs = xattrs or {}
        self.ino = ino if ino is not None else object()
        self.layer = layer


def norm(name):
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/".join(parts)


# ---- a directory on disk ----
KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
         (stat.S_ISCHR, "char"), (stat.S_ISBLK, "block"), (stat.S_ISFIFO, "fifo"),
         (stat.S_ISSOCK, "socket"))


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def from_dir(root):
    tree, inodes = {}, {}
    for dp, dns, fns in os.walk(root):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            kind = next(k for f, k in KINDS if f(st.st_mode))
            xs = {}
            try:
                for k in os.listxattr(p, follow_symlinks=False):
                    xs[k] = os.getxattr(p, k, follow_symlinks=False)
            except OSError:
                pass
            node = Node(kind, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, xattrs=xs,
                        ino=inodes.setdefault((st.st_dev, st.st_ino), object()))
            if kind == "file":
                node.sha = file_sha(p)
            elif kind == "symlink":
                node.target = os.readlink(p)
            elif kind in ("char", "block"):
                node.dev = (os.major(st.st_rdev), os.minor(st.st_rdev))
                if kind == "char" and node.dev == (0, 0):
                    node.kind = "whiteout"
            tree[os.path.relpath(p, root)] = node
    return tree


# ---- layer tars ----
TAR_KINDS = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file",
             tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink",
             tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo"}


def tar_node(t, m, layer):
    xs = {k[13:]: v.encode("utf-8", "surrogateescape") for k, v in m.pax_headers.items()
          if k.startswith("SCHILY.xattr.")}
    kind = TAR_KINDS.get(m.type)
    if kind is None:
        raise SystemExit("treecmp: %s: unsupported tar type %r" % (m.name, m.type))
    node = Node(kind, m.mode & 0o7777, m.uid, m.gid, m.linkname, xattrs=xs, layer=layer)
    if kind == "file":
        h = hashlib.sha256()
        f = t.extractfile(m)
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
        node.sha = h.hexdigest()
    elif kind in ("char", "block"):
        node.dev = (m.devmajor, m.devminor)
    return node


def remove(tree, path, below_layer=None):
    """Removes PATH and what is under it (only entries from layers before BELOW_LAYER)."""
    for p in [p for p in tree if p == path or p.startswith(path + "/")]:
        if below_layer is None or tree[p].layer < below_layer:
            del tree[p]


def ensure_parents(tree, path, layer):
    d = os.path.dirname(path)
    while d and d not in tree:
        tree[d] = Node("dir", 0o755, layer=layer)
        d = os.path.dirname(d)


def put(tree, path, node):
    """Adds NODE at PATH with tar extraction's rules: a directory over a directory keeps the
    children and takes the new metadata; anything else replaces what was there."""
    old = tree.get(path)
    if old is not None and not (old.kind == "dir" and node.kind == "dir"):
        remove(tree, path)
    if node.kind == "hardlink":
        src = tree.get(norm(node.target))
        if src is None:
            raise SystemExit("treecmp: %s: hard link to missing %s" % (path, node.target))
        node = Node(src.kind, src.mode, src.uid, src.gid, src.target, src.sha, src.dev,
                    src.xattrs, src.ino, node.layer)
    tree[path] = node


def merge_tars(files, tree=None):
    tree = {} if tree is None else tree
    for layer, f in enumerate(files, 1):
        with tarfile.open(f, "r:*") as t:
            for m in t:
                path = norm(m.name)
                if not path:
                    continue
                d, b = os.path.split(path)
                if b == OPAQUE:
                    for p in [p for p in tree if d == "" or p.startswith(d + "/")]:
                        if tree[p].layer < layer:
                            del tree[p]
                    continue
                if b.startswith(WH):
                    remove(tree, os.path.join(d, b[len(WH):]), layer)
                    continue
                ensure_parents(tree, path, layer)
                put(tree, path, tar_node(t, m, layer))
    return tree


def overlay_layer(f, opaque_xattr):
    tree = {}
    with tarfile.open(f, "r:*") as t:
        for m in t:
            path = norm(m.name)
            if not path:
                continue
            d, b = os.path.split(path)
            ensure_parents(tree, path, 1)
            if b == OPAQUE:
                if d:
                    tree[d].xattrs[opaque_xattr] = b"y"
                continue
            if b.startswith(WH):
                tree[os.path.join(d, b[len(WH):])] = Node("whiteout", layer=1)
                continue
            node = tar_node(t, m, 1)
            if path in tree and tree[path].kind == "dir" and opaque_xattr in tree[path].xattrs:
                node.xattrs[opaque_xattr] = b"y"
            put(tree, path, node)
    return tree


# ---- OCI layouts ----
def layout_layers(spec):
    """LAYOUT:TAG[@OS/ARCH[/VARIANT]] -> paths of its layer blobs, in order."""
    layout, _, tag = spec.rpartition(":")
    tag, _, plat = tag.partition("@")
    plat = (plat or "linux/amd64").split("/")

    def blob(d):
        return os.path.join(layout, "blobs", *d["digest"].split(":", 1))

    idx = json.load(open(os.path.join(layout, "index.json")))
    desc = next((d for d in idx["manifests"]
                 if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag),
                None)
    if desc is None:
        raise SystemExit("treecmp: %s: no tag %s" % (layout, tag))
    m = json.load(open(blob(desc)))
    if "manifests" in m:
        for d in m["manifests"]:
            p = d.get("platform", {})
            have = [p.get("os"), p.get("architecture")] + ([p["variant"]] if "variant" in p
                                                              else [])
            if have == plat:
                m = json.load(open(blob(d)))
                break
        else:
            raise SystemExit("treecmp: %s: no platform %s" % (spec, "/".join(plat)))
    return [blob(d) for d in m["layers"]]


def load(spec, opaque_xattr):
    if spec.startswith("oci:"):
        return merge_tars(layout_layers(spec[4:]))
    if spec.startswith("layer:"):
        rest, _, n = spec[6:].rpartition(":")
        return overlay_layer(layout_layers(rest)[int(n)], opaque_xattr)
    if spec.startswith("tar:"):
        return merge_tars(spec[4:].split(","))
    if spec.startswith("tarlayer:"):
        return overlay_layer(spec[9:], opaque_xattr)
    if not os.path.isdir(spec):
        raise SystemExit("treecmp: %s: not a directory or a tree spec" % spec)
    return from_dir(spec)


# ---- the comparison ----
def links(tree):
    """For every regular file, the other names of its inode."""
    groups = {}
    for p, n in tree.items():
        if n.kind == "file":
            groups.setdefault(n.ino, []).append(p)
    return {p: sorted(x for x in g if x != p) for g in groups.values() for p in g}


def show(b):
    try:
        return repr(b.decode())
    except UnicodeDecodeError:
        return b.hex()


def compare(a, b, ignore):
    out = []
    la, lb = links(a), links(b)
    for p in sorted(set(a) | set(b)):
        x, y = a.get(p), b.get(p)
        if x is None or y is None:
            out.append("%s: only in %s (%s)" % (p, "A" if y is None else "B", (x or y).kind))
            continue
        if x.kind != y.kind:
            out.append("%s: type %s != %s" % (p, x.kind, y.kind))
            continue
        if x.kind != "whiteout":
            if x.kind != "symlink" and x.mode != y.mode:
                out.append("%s: mode %04o != %04o" % (p, x.mode, y.mode))
            if (x.uid, x.gid) != (y.uid, y.gid):
                out.append("%s: owner %d:%d != %d:%d" % (p, x.uid, x.gid, y.uid, y.gid))
        if x.target != y.target:
            out.append("%s: target %s != %s" % (p, x.target, y.target))
        if x.sha != y.sha:
            out.append("%s: content sha256 %s != %s" % (p, x.sha[:16], y.sha[:16]))
        if x.dev != y.dev:
            out.append("%s: device %d,%d != %d,%d" % ((p,) + x.dev + y.dev))
        if la.get(p, []) != lb.get(p, []):
            out.append("%s: hard links [%s] != [%s]" % (p, " ".join(la.get(p, [])),
                                                        " ".join(lb.get(p, []))))
        for k in sorted(set(x.xattrs) | set(y.xattrs)):
            if any(k.startswith(i) for i in ignore):
                continue
            if k not in y.xattrs or k not in x.xattrs:
                out.append("%s: xattr %s only in %s" % (p, k, "A" if k in x.xattrs else "B"))
            elif x.xattrs[k] != y.xattrs[k]:
                out.append("%s: xattr %s %s != %s" % (p, k, show(x.xattrs[k]),
                                                      show(y.xattrs[k])))
    return out


def main(argv):
    ignore, opaque, args = [], "trusted.overlay.opaque", []
    it = iter(argv[1:])
    for a in it:
        if a == "--ignore-xattr":
            ignore.append(next(it, ""))
        elif a == "--opaque-xattr":
            opaque = next(it, opaque)
        else:
            args.append(a)
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    diffs = compare(load(args[0], opaque), load(args[1], opaque), ignore)
    for d in diffs:
        print(d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
