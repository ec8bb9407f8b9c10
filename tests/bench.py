# SPDX-License-Identifier: GPL-3.0-or-later
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
    # udev runs `hotplug add` for every network device that appears: unclaimed, deciding must
    # cost little beyond the tool's own start-up (nginx runs, and claims nothing by hot-plug).
    up()
    t_hotplug = median_ms(lambda: run(TOOL, "hotplug", "add", "eth9"))
    t_version = median_ms(lambda: run(TOOL, "--version"))
    down()
    rows = [
        ("start nginx", t_start, t_start_sh, f"<= 1.5x sh ({1.5 * t_start_sh:.0f} ms)", t_start <= 1.5 * t_start_sh),
        ("stop nginx", t_stop, t_stop_sh, f"<= 1.5x sh ({1.5 * t_stop_sh:.0f} ms)", t_stop <= 1.5 * t_stop_sh),
        ("stop, 1 process inside", t_stop_proc, t_stop_proc_sh, "< 150 ms", t_stop_proc < 150),
        ("hotplug add, unclaimed", t_hotplug, t_version, "< --version + 10 ms", t_hotplug < t_version + 10),
    ]
    print(f"netns-helper bench: medians of {RUNS} runs in the sandbox, ms")
    print(f"{'case':<24} {'tool':>8} {'sh plan':>8}  {'target':<26} met  (hotplug: sh plan = --version)")
    for case, tool, shell, target, met in rows:
        print(f"{case:<24} {tool:>8.1f} {shell:>8.1f}  {target:<26} {'yes' if met else 'NO'}")
    print()
    xfrm_routes()
    return 0


def xfrm_routes() -> None:
    """Routes of N prefixes: planning them, and applying the planned batch, next to a hand-written batch."""
    sys.path.insert(0, str(REPO))
    from netns_helper.commands import Plan, Run, Step
    from netns_helper.executor import Executor
    from netns_helper.iproute import routes_batch
    from netns_helper.xfrm import parse_xfrm_text

    run("ip", "netns", "add", "dest")
    run("ip", "-n", "dest", "link", "add", "ipsec0", "type", "veth", "peer", "name", "peer9")  # stands in for xfrm
    executor = Executor(log=open(os.devnull, "w"))  # noqa: SIM115

    def fresh() -> None:  # a device going down loses its routes
        run("ip", "-n", "dest", "link", "set", "ipsec0", "down")
        run("ip", "-n", "dest", "link", "set", "ipsec0", "up")

    print(f"{'xfrm prefixes':<14} {'plan':>8} {'apply':>8} {'ip -batch':>10}  {'target':<22} met")
    per_prefix = []
    for n in (10, 100, 1000, 10000):
        prefixes = [f"10.{i // 256 % 256}.{i % 256}.0/24" for i in range(n)]
        text = f"[ipsec0]\nIfId=17\nDestNetNS=dest\nPrefixes={', '.join(prefixes)}\n"
        batches: list[Run] = []

        def plan(text: str = text, batches: list[Run] = batches) -> None:
            batches[:] = routes_batch("dest", parse_xfrm_text(text, "svc"), None)

        t_plan = median_ms(plan)
        steps = tuple(Step(b) for b in batches)

        def apply(steps: tuple[Step, ...] = steps) -> None:
            assert executor.execute(Plan("routes", steps)).ok

        t_apply = median_ms(apply, before=fresh)
        Path("/run/routes.batch").write_text("".join(f"route add {p} dev ipsec0\n" for p in prefixes))
        t_hand = median_ms(lambda: run("ip", "-n", "dest", "-batch", "/run/routes.batch"), before=fresh)
        per_prefix.append((t_plan + t_apply) / n)
        met = "yes" if t_plan + t_apply <= 2 * t_hand else "NO"
        print(f"{n:<14} {t_plan:>8.1f} {t_apply:>8.1f} {t_hand:>10.1f}  {'plan+apply <= 2x batch':<22} {met}")
    growth = per_prefix[-1] / per_prefix[-2]
    print(f"growth from 1,000 to 10,000 prefixes, per prefix: x{growth:.2f} (linear: about 1)")


if __name__ == "__main__":
    sys.exit(main())
