"""Driving the shell over a serial console (pexpect): the helpers the
QEMU tests of the shell, the services and persistence share."""
import re
import subprocess

PROMPT = "cambios> "


def wait_prompt(child, timeout=120):
    """Wait for the shell's banner and its first prompt."""
    child.expect(r"CambiOS-C shell \(pid \d+\)", timeout=timeout)
    child.expect_exact(PROMPT, timeout=timeout)


def shell_run(child, line, timeout=60):
    """Type line + Enter; return the output (CRs dropped) up to the next
    prompt that starts a line."""
    child.send(line + "\r")
    child.expect_exact("\n" + PROMPT, timeout=timeout)
    return child.before.replace("\r", "")


def arcobj_put(child, text):
    """`arcobj put text`; return the 64-hex hash it printed."""
    out = shell_run(child, f"arcobj put {text}")
    found = re.search(r"stored: ([0-9a-f]{64})", out)
    assert found, out
    return found.group(1)


def arcobj_list(child):
    """The set of hashes `arcobj list` prints."""
    return set(re.findall(r"^([0-9a-f]{64})$",
                          shell_run(child, "arcobj list"), re.MULTILINE))


def b3sum(host_bin, data):
    """BLAKE3 of data (bytes) by the host's cambios-b3sum, as hex."""
    out = subprocess.run([f"{host_bin}/cambios-b3sum"], input=data,
                         capture_output=True, check=True).stdout.decode()
    return out.split()[0]
