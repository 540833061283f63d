"""A minimal writer of OLE2 compound files (MS-CFB version 3, 512-byte sectors).

Test-only: it builds Zeiss TXM/TXRM-like files from the published container layout
([MS-CFB] sections 2.2-2.6): header, FAT, mini FAT with a mini stream for streams under
4096 bytes, and a directory whose siblings form a binary search tree in CFB name order.
"""

from __future__ import annotations

import struct

SECTOR = 512
MINI = 64
CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF


class _Node:
    def __init__(self, name, kind, data=b""):
        self.name, self.kind, self.data = name, kind, data  # kind: 1 storage, 2 stream, 5 root
        self.children: dict[str, _Node] = {}
        self.start, self.size = ENDOFCHAIN, 0
        self.left = self.right = self.child = NOSTREAM


def _key(name: str):
    return (len(name), name.upper())


def write_cfb(path: str, streams: dict[str, bytes]) -> None:
    """Write ``streams`` ({"Storage/Sub/Stream": bytes}) as a compound file at ``path``."""
    root = _Node("Root Entry", 5)
    for full, data in streams.items():
        node = root
        *dirs, leaf = full.split("/")
        for d in dirs:
            node = node.children.setdefault(d, _Node(d, 1))
        node.children[leaf] = _Node(leaf, 2, bytes(data))

    order: list[_Node] = []

    def number(node):
        order.append(node)
        for child in node.children.values():
            number(child)

    number(root)
    ids = {id(n): i for i, n in enumerate(order)}

    def tree(nodes):  # balanced BST in CFB order; returns the id of its root
        if not nodes:
            return NOSTREAM
        mid = len(nodes) // 2
        node = nodes[mid]
        node.left, node.right = tree(nodes[:mid]), tree(nodes[mid + 1:])
        return ids[id(node)]

    for node in order:
        node.child = tree(sorted(node.children.values(), key=lambda n: _key(n.name)))

    # Streams below the cutoff live in the mini stream, chained by the mini FAT.
    mini_stream, minifat = bytearray(), []
    big = []
    for node in order:
        if node.kind != 2:
            continue
        node.size = len(node.data)
        if node.size == 0:
            node.start = ENDOFCHAIN
        elif node.size < CUTOFF:
            n = -(-node.size // MINI)
            node.start = len(minifat)
            minifat += [len(minifat) + i + 1 for i in range(n - 1)] + [ENDOFCHAIN]
            mini_stream += node.data + b"\0" * (n * MINI - node.size)
        else:
            big.append(node)

    sectors: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        if not data:
            return ENDOFCHAIN
        n = -(-len(data) // SECTOR)
        start = len(sectors)
        padded = data + b"\0" * (n * SECTOR - len(data))
        for i in range(n):
            sectors.append(padded[i * SECTOR:(i + 1) * SECTOR])
            fat.append(start + i + 1 if i < n - 1 else ENDOFCHAIN)
        return start

    for node in big:
        node.start = allocate(node.data)
    root.start, root.size = allocate(bytes(mini_stream)), len(mini_stream)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    if minifat_bytes:
        minifat_bytes += struct.pack("<I", FREESECT) * ((-len(minifat)) % (SECTOR // 4))
    first_minifat = allocate(minifat_bytes)
    n_minifat = -(-len(minifat_bytes) // SECTOR)

    entries = bytearray()
    for node in order:
        name = node.name.encode("utf-16-le") + b"\0\0"
        entry = name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), node.kind, 1,
                                                    node.left, node.right, node.child)
        entry += b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
        entry += struct.pack("<IQ", node.start if node.kind != 1 else 0, node.size if node.kind != 1 else 0)
        entries += entry
    entries += b"\0" * ((-len(entries)) % SECTOR)
    first_dir = allocate(bytes(entries))

    # FAT sectors must also describe themselves: grow until they fit.
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("test CFB writer supports files up to ~6.8 MB (no DIFAT sectors)")
    fat_start = len(sectors)
    fat += [FATSECT] * n_fat
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for i in range(n_fat):
        sectors.append(fat_bytes[i * SECTOR:(i + 1) * SECTOR])

    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = struct.pack("<8s16sHHHHH6s9I", bytes.fromhex("D0CF11E0A1B11AE1"), b"\0" * 16,
                         0x003E, 0x0003, 0xFFFE, 9, 6, b"\0" * 6, 0, n_fat, first_dir, 0, CUTOFF,
                         first_minifat if n_minifat else ENDOFCHAIN, n_minifat, ENDOFCHAIN, 0)
    header += struct.pack("<109I", *difat)
    assert len(header) == SECTOR
    with open(path, "wb") as fh:
        fh.write(header)
        for sector in sectors:
            fh.write(sector)


def write_txm(path: str, stack, *, pixel_size_um: float | None, data_type: int | None = None,
              count_key: str = "ImageInfo/ImagesTaken", drop_images=()) -> None:
    """A Zeiss TXM-like file: ImageInfo metadata streams and images in ImageData{k}/Image{i}."""
    import numpy as np

    stack = np.asarray(stack)
    n, h, w = stack.shape
    code = data_type if data_type is not None else {np.dtype("uint16"): 5, np.dtype("float32"): 10}[stack.dtype]
    streams = {
        "ImageInfo/ImageWidth": struct.pack("<I", w),
        "ImageInfo/ImageHeight": struct.pack("<I", h),
        count_key: struct.pack("<I", n),
        "ImageInfo/DataType": struct.pack("<I", code),
    }
    if pixel_size_um is not None:
        streams["ImageInfo/PixelSize"] = struct.pack("<f", pixel_size_um)
    for i in range(1, n + 1):
        if i not in drop_images:
            streams[f"ImageData{(i - 1) // 100 + 1}/Image{i}"] = stack[i - 1].astype(stack.dtype.newbyteorder("<")).tobytes()
    write_cfb(path, streams)
