"""SM2 sign/verify throughput of shuzheng.security.crypto.sm2 next to `openssl speed sm2`.

Run: .venv/bin/python benchmarks/bench_sm2.py [seconds]   (default 2 s per measurement)

Both sides hash SM3(Z || M) and sign it: `openssl speed` uses EVP_DigestSign with a fixed signer ID
of its own ("TLSv1.3+GM+Cipher+Suite"), which costs the same as ours, so the ratio compares like with
like. Numbers are single-threaded operations per second; run on a quiet machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

from shuzheng.security.crypto import sm2

MESSAGE = b"shuzheng SM2 benchmark message, 64 bytes long.................."


def ops_per_second(operation: Callable[[], object], seconds: float) -> float:
    """Run `operation` repeatedly for about `seconds` and return its rate."""
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        operation()
        count += 1
    return count / (time.perf_counter() - start)


def measure_shuzheng(seconds: float) -> dict[str, float]:
    kp = sm2.generate_keypair()
    signature = sm2.sign(kp.private_key, MESSAGE)
    return {
        "sign": ops_per_second(lambda: sm2.sign(kp.private_key, MESSAGE), seconds),
        "verify": ops_per_second(lambda: sm2.verify(kp.public_key, MESSAGE, signature), seconds),
        # A fresh key every time: the pure-Python d·G that runs once per key before its first signature.
        "derive public key (once per key)": ops_per_second(_derive_fresh_public_key, seconds),
    }


def _derive_fresh_public_key() -> bytes:
    private_key = os.urandom(32)
    while not 1 <= int.from_bytes(private_key, "big") <= sm2.N - 2:
        private_key = os.urandom(32)
    return sm2.public_key_from_private(private_key)


def measure_openssl(seconds: float) -> dict[str, float] | None:
    """Parse `openssl speed -mr` ("+F<n>:<i>:256:CurveSM2:<sign/s>:<verify/s>"); None without openssl."""
    binary = shutil.which("openssl")
    if binary is None:
        return None
    command = [binary, "speed", "-mr", "-seconds", str(max(1, round(seconds))), "sm2"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^\+F\d+:\d+:256:CurveSM2:([\d.]+):([\d.]+)", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"cannot parse `{' '.join(command)}` output:\n{output}")
    return {"sign": float(match.group(1)), "verify": float(match.group(2))}


def openssl_version() -> str:
    binary = shutil.which("openssl")
    if binary is None:
        return "openssl: not installed"
    return subprocess.run([binary, "version"], capture_output=True, text=True, check=False).stdout.strip()


def print_table(ours: dict[str, float], theirs: dict[str, float] | None) -> None:
    print(f"{'operation':34} {'shuzheng/s':>11} {'openssl/s':>11} {'ratio':>7}")
    for name, rate in ours.items():
        other = (theirs or {}).get(name)
        other_text = f"{other:11.0f}" if other else f"{'—':>11}"
        ratio_text = f"{rate / other:7.2f}" if other else f"{'—':>7}"
        print(f"{name:34} {rate:11.0f} {other_text} {ratio_text}")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    print(f"SM2 with SM3, signer ID {sm2.DEFAULT_SIGNER_ID.decode()}, {seconds:g} s per measurement")
    print(f"{openssl_version()}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")
    ours = measure_shuzheng(seconds)
    theirs = measure_openssl(seconds)
    print_table(ours, theirs)
    if theirs is None:
        print("\nopenssl not installed: no comparison")


if __name__ == "__main__":
    main()
