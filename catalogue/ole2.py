"""The stream names inside an OLE2 compound file (the container of .doc, .xls and .msi).

Only the directory is read: the header's FAT sector list (and its DIFAT chain), the FAT
entries of the directory's own chain, and the 128-byte directory entries. Every chain is
followed at most once per sector, so a damaged or hostile file ends the walk, not the worker.
"""

from __future__ import annotations

import struct

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_END = 0xFFFFFFFE  # ENDOFCHAIN; anything from 0xFFFFFFFA up is not a sector number
_MAX_SECTOR = 0xFFFFFFFA
_HEADER_DIFAT = 109
_STREAM = 2


def stream_names(content: bytes) -> set[str]:
    """Names of the streams in the file's directory; empty when it is not a readable OLE2."""
    if len(content) < 512 or not content.startswith(SIGNATURE):
        return set()
    shift = struct.unpack_from("<H", content, 0x1E)[0]
    if shift not in (9, 12):
        return set()
    size = 1 << shift
    sectors = max(0, len(content) // size - 1)  # sector n starts at (n + 1) * size

    def sector(number: int) -> bytes | None:
        if number >= sectors:
            return None
        start = (number + 1) * size
        return content[start:start + size]

    def chain(first: int):
        seen: set[int] = set()
        number = first
        while number < _MAX_SECTOR and number not in seen and len(seen) < sectors:
            seen.add(number)
            yield number
            number = next_sector(number)

    first_dir, = struct.unpack_from("<I", content, 0x30)
    first_difat, difat_count = struct.unpack_from("<II", content, 0x44)
    fat_sectors = [n for n in struct.unpack_from(f"<{_HEADER_DIFAT}I", content, 0x4C) if n < _MAX_SECTOR]
    number, seen = first_difat, set()
    while number < _MAX_SECTOR and number not in seen and len(seen) < min(difat_count, sectors):
        seen.add(number)
        data = sector(number)
        if data is None:
            break
        ids = struct.unpack(f"<{size // 4}I", data)
        fat_sectors.extend(n for n in ids[:-1] if n < _MAX_SECTOR)
        number = ids[-1]
    per_sector = size // 4

    def next_sector(number: int) -> int:
        index, slot = divmod(number, per_sector)
        if index >= len(fat_sectors):
            return _END
        data = sector(fat_sectors[index])
        return _END if data is None else struct.unpack_from("<I", data, slot * 4)[0]

    names: set[str] = set()
    for number in chain(first_dir):
        data = sector(number)
        if data is None:
            break
        for offset in range(0, size, 128):
            length, kind = struct.unpack_from("<HB", data, offset + 64)
            if kind == _STREAM and 2 <= length <= 64:
                names.add(data[offset:offset + length - 2].decode("utf-16-le", "replace"))
    return names
