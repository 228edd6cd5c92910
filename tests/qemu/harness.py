# SPDX-License-Identifier: MIT
"""Actions the QEMU runner (tests/qemu/run.py) performs on a machine while it runs, for cases
that need something no guest can do: a device that nobody was given doing DMA.

A case with a "during" action boots QEMU with a qtest socket (QEMU's test protocol, which works
beside TCG: `-qtest unix:SOCK -accel tcg`; notes/qemu-10.0.md) and runs the action in a thread
while the machine runs. The action waits for serial lines, reads and writes physical memory,
PCI configuration space and device registers through the socket, and returns lines starting
with "harness: " that the runner adds to the log the case is judged on.
"""
import os
import re
import socket
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


class QTest:
    """The qtest line protocol: "readq ADDR" -> "OK 0xVALUE", "writeq ADDR VALUE" -> "OK".
    Accesses are to the machine's physical address space, beside the CPUs."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.settimeout(timeout)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise OSError("qtest socket closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def cmd(self, text):
        self.sock.sendall((text + "\n").encode())
        while True:
            reply = self._line()
            if not reply.startswith("IRQ"):  # asynchronous interrupt notices
                break
        if not reply.startswith("OK"):
            raise OSError(f"qtest {text!r}: {reply!r}")
        return reply[2:].strip()

    def read(self, width, addr):
        return int(self.cmd(f"read{width} 0x{addr:x}"), 16)

    def write(self, width, addr, value):
        self.cmd(f"write{width} 0x{addr:x} 0x{value:x}")

    def close(self):
        self.sock.close()


def walk(read64, root, gpa, arch):
    """Translate gpa through a guest's 4-level, 4 KiB-granule nested table at root (x86-64
    paging format on x86_64, hv/guest.c; VMSAv8-64 stage 2 from level 0 on arm64,
    arch/arm64/vcpu.c). Returns the host-physical address, or None if not mapped."""
    table = root
    for level in range(4):
        shift = 39 - 9 * level
        e = read64(table + ((gpa >> shift) & 511) * 8)
        if not e & 1:
            return None
        if arch == "x86_64":
            addr = e & 0x000ffffffffff000
            block = level in (1, 2) and e & 0x80  # PS: 1 GiB or 2 MiB page
        else:
            addr = e & 0x0000fffffffff000
            block = level in (1, 2) and not e & 2  # block descriptor
        if level == 3 or block:
            size = 1 << shift
            return (addr & ~(size - 1)) | (gpa & (size - 1))
        table = addr
    return None


class Live:
    """What an action sees of the running machine: the serial log so far, and the socket."""

    def __init__(self, log_path, qtest_path, proc):
        self.log_path, self.qtest_path, self.proc = log_path, qtest_path, proc

    def lines(self):
        with open(self.log_path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return [ANSI.sub("", l) for l in text.split("\n")]

    def wait_for(self, pattern, timeout):
        """The first match of pattern in a complete log line, waiting while QEMU runs."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()[:-1]  # the last one may still be written
            for l in lines:
                m = re.search(pattern, l)
                if m:
                    return m
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return None
            time.sleep(0.1)

    def find(self, pattern):
        for l in self.lines():
            m = re.search(pattern, l)
            if m:
                return m
        return None


EDU_DMA_SRC, EDU_DMA_DST, EDU_DMA_CNT, EDU_DMA_CMD = 0x80, 0x88, 0x90, 0x98
EDU_DEV_BUF = 0x40000
HARNESS_DONE = 0x656e6f64656e6f64  # tests/guests/dma_unassigned.c


def unassigned_dma(live, arch, guest="dma_unassigned", bdf=(0, 6, 0), reported=True):
    """The unassigned edu at bdf writes its 4 KiB buffer (zeros since reset) into the running
    guest's target page, at the page's guest-physical address and at its host-physical
    address, then the flag page says "done" (tests/guests/dma_unassigned.c explains why).
    reported: after each DMA, wait for the hypervisor's "fault from unassigned rid" line."""
    notes = []
    m = live.wait_for(r"\[guest %s\] ready: target GPA (0x[0-9a-f]+), flag GPA (0x[0-9a-f]+)" % guest, 120)
    if m is None:
        return ["harness: the guest never said it was ready"]
    target_gpa, flag_gpa = int(m.group(1), 16), int(m.group(2), 16)
    ecam = live.find(r"mcfg: seg 0 buses 00-[0-9a-f]+ ecam (0x[0-9a-f]+)")
    root = live.find(r"guest %s: .* nested table (0x[0-9a-f]+)," % guest)
    if ecam is None or root is None:
        return ["harness: no ECAM or nested table line in the log"]
    ecam, root = int(ecam.group(1), 16), int(root.group(1), 16)
    q = QTest(live.qtest_path)
    try:
        rid = bdf[0] << 8 | bdf[1] << 3 | bdf[2]  # requester ID = VT-d source-id = SMMU StreamID
        cfg = ecam + (rid << 12)  # PCIe ECAM (PCIe 7.2.2)
        ids = q.read("l", cfg)
        bar = q.read("l", cfg + 0x10) & ~0xf
        # Memory space and bus mastering on, as a device left running (or a rogue one) has it.
        q.write("w", cfg + 4, q.read("w", cfg + 4) | 0x6)
        notes.append(f"harness: unassigned {bdf[0]:02x}:{bdf[1]:02x}.{bdf[2]} is {ids & 0xffff:04x}:{ids >> 16:04x}, "
                     f"BAR0 0x{bar:x}, bus mastering on")
        target_hpa = walk(lambda a: q.read("q", a), root, target_gpa, arch)
        flag_hpa = walk(lambda a: q.read("q", a), root, flag_gpa, arch)
        if target_hpa is None or flag_hpa is None:
            return notes + ["harness: the guest's pages are not in its nested table"]
        for what, addr in (("GPA", target_gpa), ("HPA", target_hpa)):
            q.write("q", bar + EDU_DMA_SRC, EDU_DEV_BUF)
            q.write("q", bar + EDU_DMA_DST, addr)
            q.write("q", bar + EDU_DMA_CNT, 4096)
            q.write("q", bar + EDU_DMA_CMD, 0x3)  # start, device buffer -> RAM
            deadline = time.monotonic() + 30
            while q.read("q", bar + EDU_DMA_CMD) & 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            done = not q.read("q", bar + EDU_DMA_CMD) & 1
            notes.append(f"harness: DMA of 4096 bytes to 0x{addr:x} (the target page's {what}): "
                         + ("done" if done else "still busy after 30 s"))
            if not reported:
                continue
            # The guest polls FAULT_READ, in which the hypervisor collects the IOMMU's records.
            seen = live.wait_for(r"\] ioasid: fault from unassigned rid 0x%x on \S+ at 0x%x$" % (rid, addr), 30)
            notes.append(f"harness: DMA to the target page's {what} "
                         + ("reported by the hypervisor" if seen else "not reported within 30 s"))
        q.write("q", flag_hpa, HARNESS_DONE)
        notes.append(f"harness: flag set at HPA 0x{flag_hpa:x}")
    except OSError as e:
        notes.append(f"harness: qtest failed: {e}")
    finally:
        q.close()
    return notes


def qtest_args(workdir, case):
    path = os.path.join(workdir, f"{case}.qtest")
    if os.path.exists(path):
        os.unlink(path)
    return path, ["-accel", "tcg", "-qtest", f"unix:{path},server=on,wait=off", "-qtest-log", "/dev/null"]
