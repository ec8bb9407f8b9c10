"""`make bench`: start/stop timings in the sandbox, next to the same plan run by sh.

Run inside tests/sandbox only. Prints a table of medians; targets are in the last column.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOL = str(REPO / "bin" / "netns-helper")
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def median_ms(fn: Callable[[], None], before: Callable[[], None] | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> int:
    if os.environ.get("NETNS_HELPER_SANDBOX") != "1":
        sys.exit("bench: run it through tests/sandbox (make bench)")
    run("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")
    run("ip", "addr", "add", "192.0.2.1/24", "dev", "peer0")
    run("ip", "link", "set", "peer0", "up")
    Path("/etc/netns/nginx/network").mkdir(parents=True)
    Path("/etc/netns/nginx/network/interfaces").write_text((REPO / "examples/nginx/interfaces").read_text())
    # Warm up once, so that hook mirroring and resolv.conf (first start only) are not measured.
    run(TOOL, "start", "nginx")
    run(TOOL, "stop", "nginx")

    start_sh = subprocess.run([TOOL, "--print-commands", "start", "nginx"], check=True, capture_output=True, text=True)
    Path("/run/start.sh").write_text(start_sh.stdout)
    run(TOOL, "start", "nginx")
    stop_sh = subprocess.run([TOOL, "--print-commands", "stop", "nginx"], check=True, capture_output=True, text=True)
    Path("/run/stop.sh").write_text(stop_sh.stdout)
    run(TOOL, "stop", "nginx")

    def up() -> None:
        run(TOOL, "start", "nginx")

    def down() -> None:
        if os.path.exists("/run/netns/nginx"):
            run(TOOL, "stop", "nginx")

    def up_with_process() -> None:
        up()
        subprocess.Popen(["ip", "netns", "exec", "nginx", "sleep", "600"])
        while not subprocess.run(["ip", "netns", "pids", "nginx"], capture_output=True, text=True).stdout.strip():
            time.sleep(0.001)

    t_start = median_ms(up, before=down)
    t_start_sh = median_ms(lambda: run("sh", "/run/start.sh"), before=down)
    down()
    t_stop = median_ms(lambda: run(TOOL, "stop", "nginx"), before=up)
    t_stop_sh = median_ms(lambda: run("sh", "/run/stop.sh"), before=up)
    t_stop_proc = median_ms(lambda: run(TOOL, "stop", "nginx"), before=up_with_process)
    t_stop_proc_sh = median_ms(lambda: run("sh", "/run/stop.sh"), before=up_with_process)
    rows = [
        ("start nginx", t_start, t_start_sh, f"<= 1.5x sh ({1.5 * t_start_sh:.0f} ms)", t_start <= 1.5 * t_start_sh),
        ("stop nginx", t_stop, t_stop_sh, f"<= 1.5x sh ({1.5 * t_stop_sh:.0f} ms)", t_stop <= 1.5 * t_stop_sh),
        ("stop, 1 process inside", t_stop_proc, t_stop_proc_sh, "< 150 ms", t_stop_proc < 150),
    ]
    print(f"netns-helper bench: medians of {RUNS} runs in the sandbox, ms")
    print(f"{'case':<24} {'tool':>8} {'sh plan':>8}  {'target':<26} met")
    for case, tool, shell, target, met in rows:
        print(f"{case:<24} {tool:>8.1f} {shell:>8.1f}  {target:<26} {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
