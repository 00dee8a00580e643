"""Small OLE2 compound files built by hand: a header, one FAT sector, one directory sector."""

from __future__ import annotations

import struct

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _entry(name: str, kind: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    entry = bytearray(128)
    entry[:len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 68, FREE, FREE, FREE)  # left, right, child
    struct.pack_into("<II", entry, 116, END, 0)  # first sector, size
    return bytes(entry)


def ole2_file(*streams: str) -> bytes:
    """An OLE2 file whose root storage holds empty streams with these names (at most 3)."""
    header = bytearray(512)
    header[:8] = SIGNATURE
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x2C, 1, 1, 0, 4096, END, 0, END, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([FREE] * 108))
    fat = struct.pack("<128I", FATSECT, END, *([FREE] * 126))
    entries = [_entry("Root Entry", 5), *(_entry(name, 2) for name in streams)]
    directory = b"".join(entries).ljust(512, b"\0")
    return bytes(header) + fat + directory
