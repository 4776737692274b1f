#!/usr/bin/env python3
"""Blank every byte of an executable that a build-info reader does not need, so a real binary
compresses to a few KiB of test data.

Kept: the ELF header, program and section header tables and the section-name table; the
sections named with --keep (e.g. .go.buildinfo, .dep-v0); for Go build info in the pointer
format (Go < 1.18), the string headers and strings it points to; for PE and Mach-O files, the
first 4 KiB (headers and load commands) and the build-info header with its inline strings.
Everything else becomes zero. `go version -m` must print the same for the output as for the
input: make.sh checks that.

usage: sanitize.py IN OUT [--keep SECTION]... [--no-section-table]
"""
import struct
import sys

MAGIC = b"\xff Go buildinf:"


def uvarint(b, i):
    x = shift = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        if c < 0x80:
            return x, i
        shift += 7


def elf_layout(data):
    """(little-endian?, 64-bit?, header fields, sections [(name, offset, size)], segments)."""
    is64 = data[4] == 2
    le = data[5] == 1
    e = "<" if le else ">"
    if is64:
        phoff, shoff = struct.unpack_from(e + "QQ", data, 0x20)
        ehsize, phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHHH", data, 0x34)
    else:
        phoff, shoff = struct.unpack_from(e + "II", data, 0x1C)
        ehsize, phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHHH", data, 0x28)
    raw = []
    for k in range(shnum):
        o = shoff + k * shentsize
        if is64:
            name, _, _, addr, off, size = struct.unpack_from(e + "IIQQQQ", data, o)
        else:
            name, _, _, addr, off, size = struct.unpack_from(e + "IIIIII", data, o)
        raw.append((name, off, size))
    strtab_off, strtab_size = raw[shstrndx][1], raw[shstrndx][2] if raw else (0, 0)
    sections = []
    for name, off, size in raw:
        end = data.index(b"\0", strtab_off + name)
        sections.append((data[strtab_off + name:end].decode(), off, size))
    segments = []
    for k in range(phnum):
        o = phoff + k * phentsize
        if is64:
            ptype, _, off, vaddr, _, filesz = struct.unpack_from(e + "IIQQQQ", data, o)
        else:
            ptype, off, vaddr, _, filesz = struct.unpack_from(e + "IIIII", data, o)
        if ptype == 1:
            segments.append((vaddr, off, filesz))
    header = dict(ehsize=ehsize, phoff=phoff, phlen=phnum * phentsize, shoff=shoff,
                  shlen=shnum * shentsize, strtab=(strtab_off, strtab_size), is64=is64, e=e)
    return header, sections, segments


def main():
    args = sys.argv[1:]
    src, dst = args[0], args[1]
    keep_names = [args[i + 1] for i, a in enumerate(args) if a == "--keep"]
    drop_sections = "--no-section-table" in args
    data = bytearray(open(src, "rb").read())
    keep = []
    if data[:4] == b"\x7fELF":
        h, sections, segments = elf_layout(data)
        keep += [(0, h["ehsize"]), (h["phoff"], h["phoff"] + h["phlen"]),
                 (h["shoff"], h["shoff"] + h["shlen"]),
                 (h["strtab"][0], h["strtab"][0] + h["strtab"][1])]
        for name, off, size in sections:
            if name in keep_names:
                keep.append((off, off + size))
                if name == ".go.buildinfo" and data[off + 15] & 2 == 0:
                    keep += pointer_strings(data, off, segments)
    else:
        keep.append((0, 4096))
        at = next(i for i in range(0, len(data), 16) if data[i:i + 14] == MAGIC)
        n, i = uvarint(data, at + 32)
        n, i = uvarint(data, i + n)
        keep.append((at, i + n))
    out = bytearray(len(data))
    for a, b in keep:
        out[a:b] = data[a:b]
    if drop_sections:
        # As `strip --strip-section-headers` or sstrip leave it: no section table at all.
        h, _, _ = elf_layout(data)
        e = h["e"]
        if h["is64"]:
            struct.pack_into(e + "Q", out, 0x28, 0)
            struct.pack_into(e + "HHH", out, 0x3A, 0, 0, 0)
        else:
            struct.pack_into(e + "I", out, 0x20, 0)
            struct.pack_into(e + "HHH", out, 0x2E, 0, 0, 0)
        out[h["shoff"]:h["shoff"] + h["shlen"]] = bytes(h["shlen"])
    open(dst, "wb").write(out)


def pointer_strings(data, off, segments):
    """The string headers and bytes the pointer-format header at `off` refers to."""
    ptr = data[off + 14]
    e = ">" if data[off + 15] & 1 else "<"
    fmt = e + ("Q" if ptr == 8 else "I")

    def to_offset(addr):
        for vaddr, foff, filesz in segments:
            if vaddr <= addr < vaddr + filesz:
                return foff + addr - vaddr
        raise SystemExit(f"address {addr:#x} is in no segment")

    ranges = []
    for slot in (16, 16 + ptr):
        (hdr,) = struct.unpack_from(fmt, data, off + slot)
        h = to_offset(hdr)
        (str_addr,) = struct.unpack_from(fmt, data, h)
        (str_len,) = struct.unpack_from(fmt, data, h + ptr)
        s = to_offset(str_addr)
        ranges += [(h, h + 2 * ptr), (s, s + str_len)]
    return ranges


if __name__ == "__main__":
    main()
