"""A minimal QMP client for the QEMU tests that look at the machine from
outside: screen dumps (tests/qemu/test_framebuffer.py) and the CPU's halt
state (tests/qemu/test_compositor.py).  Add qmp_args(path) to a boot's
qemu_args, then QMP(path) once the guest has started."""
import json
import os
import socket
import time


def qmp_args(path):
    """QEMU arguments for a QMP server on the unix socket path."""
    return ["-qmp", f"unix:{path},server=on,wait=off"]


class QMP:
    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no QMP socket at {path}")
            time.sleep(0.05)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self._read()                       # the greeting
        self.command("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError(f"QMP {name}: {reply['error']}")
            # Anything else is an asynchronous event: skip it.

    def hmp(self, command_line):
        """A human-monitor command; returns its text output."""
        return self.command("human-monitor-command", **{
            "command-line": command_line})

    def screendump(self, path):
        """The display as (width, height, rgb bytes), via a PPM file."""
        self.command("screendump", filename=str(path))
        return read_ppm(path)

    def close(self):
        self.sock.close()


def read_ppm(path):
    """Parse a binary PPM (P6, maxval 255): (width, height, rgb bytes)."""
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1                               # one whitespace byte
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    return width, height, data[pos:pos + width * height * 3]


def pixel(image, x, y):
    width, _, rgb = image
    i = (y * width + x) * 3
    return tuple(rgb[i:i + 3])
