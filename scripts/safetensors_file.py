"""The safetensors header I/O and machine facts the ship-*-weights.py scripts share."""
import json
import os
import struct


def read(path):
    """(header dict, tensor bytes) of a safetensors file; the header's "__metadata__" holds its string metadata."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)), f.read()


def write(path, header, data):
    """Writes header and tensor bytes as a safetensors file (header padded to 8 bytes), atomically."""
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob + data)
    os.replace(path + ".tmp", path)


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (None where there is none)."""
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
