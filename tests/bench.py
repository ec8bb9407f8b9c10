# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench`: start/stop timings in the sandbox, next to the same plan run by sh.

Run inside tests/sandbox only. Prints a table of medians; targets are in the last column.
BENCH_SECTIONS=scale (or nginx, xfrm, boot: the scale section's starts and stops at once only;
comma-separated) runs only those; BENCH_TOOL=PATH times another tree's bin/netns-helper, for an
A/B comparison; BENCH_BASE=PATH times another tree's bin/netns-helper in the same rounds of the
starts and stops at once as this one, in alternation (an A/B that a change of load hits alike);
BENCH_SETTLE=SECONDS is the quiet before each timed start or stop (0.2; see SETTLE).
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOL = os.environ.get("BENCH_TOOL", str(REPO / "bin" / "netns-helper"))  # another tree's, for A/B
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
BASE = os.environ.get("BENCH_BASE")  # another tree's, timed in the same rounds (scale, boot)
# Seconds of quiet before each timed start or stop (not timed). Deleting a namespace leaves the
# kernel tens of milliseconds of cleanup, which the next sample's moves of links between
# namespaces meet or miss: without the pause, one side's rounds came right after the other's
# deletions and a move's time depended on which side was timed (README, Performance).
SETTLE = float(os.environ.get("BENCH_SETTLE", "0.2"))


def run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def median_ms(fn: Callable[[], None], before: Callable[[], None] | None = None) -> float:
    samples = []
    for _ in range(RUNS):
        if before:
            before()
            time.sleep(SETTLE)  # before() may have deleted a namespace (see SETTLE)
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


SECTIONS = os.environ.get("BENCH_SECTIONS", "nginx,scale,xfrm").split(",")


def main() -> int:
    if os.environ.get("NETNS_HELPER_SANDBOX") != "1":
        sys.exit("bench: run it through tests/sandbox (make bench)")
    if "nginx" in SECTIONS:
        nginx()
    if "scale" in SECTIONS or "boot" in SECTIONS:
        scale(boot_only="scale" not in SECTIONS)
        print()
    if "xfrm" in SECTIONS:
        xfrm_routes()
    return 0


def nginx() -> None:
    """Start and stop of one namespace, one after another, next to their sh plans."""
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


ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
FIXED_QUERIES = 2  # besides one per namespace: the host's links, the metrics file's rename
NGINX = (REPO / "examples/nginx/interfaces").read_text()


def configure(count: int) -> None:
    """Namespaces ns1..nsCOUNT configured as the nginx example on NICs nic1..nicCOUNT; others removed."""
    base = Path("/etc/netns")
    for directory in base.iterdir() if base.is_dir() else ():
        if directory.name.startswith("ns") and directory.name[2:].isdigit() and int(directory.name[2:]) > count:
            subprocess.run(["rm", "-rf", str(directory)], check=True)
    for i in range(1, count + 1):
        network = base / f"ns{i}" / "network"
        if not network.is_dir():
            network.mkdir(parents=True)
            (network / "interfaces").write_text(NGINX.replace("eth0", f"nic{i}"))


def nics(count: int) -> None:
    """Veth "NICs" nic1..nicCOUNT in the host namespace (their peers stay here too)."""
    existing = set(os.listdir("/sys/class/net"))  # the peers stay here: nicI may be in nsI
    batch = "".join(
        f"link add nic{i} type veth peer name peer{i}\n" for i in range(1, count + 1) if f"peer{i}" not in existing
    )
    if batch:
        subprocess.run(["ip", "-batch", "-"], input=batch, text=True, check=True)


def at_once(commands: list[list[str]], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall and CPU time (ms, the children's user + system) of COMMANDS all started at once.

    An exit code not in OK ends the benchmark.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in commands]
    codes = [p.wait() for p in procs]
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for command, code in zip(commands, codes, strict=True):
        if code not in ok:
            sys.exit(f"bench: {shlex.join(command)} failed (exit code {code})")
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def settled(commands: list[list[str]]) -> tuple[float, float]:
    """at_once(COMMANDS) after SETTLE seconds of quiet (not timed)."""
    time.sleep(SETTLE)
    return at_once(commands)


def best(samples: list[tuple[float, float]]) -> tuple[float, float]:
    """The best of the rounds: the one of least wall time (the machine may be loaded)."""
    return min(samples)


def timed(argv: list[str], runs: int = RUNS, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Median wall and CPU time (ms) of ARGV run RUNS times one after another."""
    samples = [at_once([argv], ok) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def processes(argv: list[str]) -> int:
    """How many processes ARGV starts: each program it may run is a logging shim first in PATH.

    (Not the sandbox's PIDs: threads take PIDs too.)
    """
    shims = Path("/run/bench-shims")
    shims.mkdir(exist_ok=True)
    log = shims / "log"
    for program in ("ip", "mv", "systemctl"):
        real = shutil.which(program)
        if real and not (shims / program).exists():
            (shims / program).write_text(f'#!/bin/sh\necho {program} >>{log}\nexec {real} "$@"\n')
            (shims / program).chmod(0o755)
    log.write_text("")
    env = {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}"}
    subprocess.run([TOOL, *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return len(log.read_text().splitlines())


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def scale(boot_only: bool = False) -> None:
    """Issue 15: concurrent starts and stops next to their sh plans, planning cost, status at 100."""
    rounds = f"best of {ROUNDS} rounds ({ROUNDS * 10} at 1 at once), {SETTLE:g} s of quiet before each"
    print(f"scale: {rounds}; wall, and CPU (the processes' user + system time), ms; {load()}")
    if BASE:
        print(f"(base: {BASE}, in the same rounds)")
    print(f"{'case':<34} {'tool':>8} {'cpu':>7} {'sh plans':>9} {'cpu':>7}  {'target':<24} met  ratio")

    def row(
        case: str, tool: tuple[float, float], shell: tuple[float, float] | None, target: str, met: bool, note: str = ""
    ) -> None:
        sh_cols = f"{shell[0]:>9.1f} {shell[1]:>7.1f}" if shell else f"{'':>9} {'':>7}"
        verdict = "yes" if met else "NO"
        print(f"{case:<34} {tool[0]:>8.1f} {tool[1]:>7.1f} {sh_cols}  {target:<24} {verdict:<3}  {note}")

    # Planning: --print-commands start of one namespace, with 1, 40 and 200 configured.
    nics(40)
    plan_cost = {}
    for count in () if boot_only else (1, 40, 200):
        configure(count)
        plan_cost[count] = timed([TOOL, "--print-commands", "start", "ns1"])
    for count, cost in plan_cost.items():
        limit = 1.2 * plan_cost[1][1]
        target = f"cpu <= 1.2x of 1 ({limit:.0f})" if count > 1 else ""
        row(f"--print-commands start, {count} conf.", cost, None, target, cost[1] <= limit)

    configure(40)
    for i in range(1, 41):  # hooks mirrored and resolv.conf written (first start only), as before
        run(TOOL, "start", f"ns{i}")
        run(TOOL, "stop", f"ns{i}")
    for n in (1, 10, 40):
        names = [f"ns{i}" for i in range(1, n + 1)]
        starts = [
            subprocess.run([TOOL, "--print-commands", "start", ns], check=True, capture_output=True, text=True).stdout
            for ns in names
        ]
        for ns, text in zip(names, starts, strict=True):
            Path(f"/run/start-{ns}.sh").write_text(text)
        at_once([[TOOL, "start", ns] for ns in names])
        for ns in names:
            stop = subprocess.run([TOOL, "--print-commands", "stop", ns], check=True, capture_output=True, text=True)
            Path(f"/run/stop-{ns}.sh").write_text(stop.stdout)
        at_once([[TOOL, "stop", ns] for ns in names])
        tools = {"": TOOL, " (base)": BASE} if BASE else {"": TOOL}
        samples: dict[str, list[tuple[float, float]]] = {}
        # One at once takes a tenth of a second, and a veth's move between namespaces waits for the
        # kernel (RCU) a varying 10 to 60 ms: more rounds there, for the best of each to mean something.
        for _ in range(ROUNDS * 10 if n == 1 else ROUNDS):  # in alternation, so that a change of load hits them all
            for key, tool_path in tools.items():
                samples.setdefault(f"start{key}", []).append(settled([[tool_path, "start", ns] for ns in names]))
                samples.setdefault(f"stop{key}", []).append(settled([[tool_path, "stop", ns] for ns in names]))
            samples.setdefault("start sh", []).append(settled([["sh", f"/run/start-{ns}.sh"] for ns in names]))
            samples.setdefault("stop sh", []).append(settled([["sh", f"/run/stop-{ns}.sh"] for ns in names]))
        for key in tools:
            for what in ("start", "stop"):
                tool, shell = best(samples[f"{what}{key}"]), best(samples[f"{what} sh"])
                target, met = f"<= 1.5x sh ({1.5 * shell[0]:.0f})", tool[0] <= 1.5 * shell[0]
                middle = statistics.median(s[0] for s in samples[f"{what}{key}"])
                middle_sh = statistics.median(s[0] for s in samples[f"{what} sh"])
                ratios = f"{tool[0] / shell[0]:.2f}x, cpu {tool[1] / shell[1]:.2f}x; median {middle / middle_sh:.2f}x"
                row(f"{what}, {n} at once{key}", tool, shell, target, met, ratios)
    if boot_only:
        print(f"({load()})")
        return

    os.makedirs("/run/metrics", exist_ok=True)
    reads = {
        "status": ["status"],
        "metrics": ["metrics", "--textfile-dir=/run/metrics"],
        "check": ["check"],
    }
    for count in (10, 100):
        nics(count)
        configure(count)
        for i in range(1, count + 1):
            if not os.path.exists(f"/run/netns/ns{i}"):
                run(TOOL, "start", f"ns{i}")
        for what, argv in reads.items():
            cost = timed([TOOL, *argv], runs=max(3, RUNS // 3), ok=(0, 1))  # 1: warnings, drift
            spawned = processes(argv)
            met = cost[0] < 300 and spawned <= count + FIXED_QUERIES
            row(f"{what}, {count} running ({spawned} proc.)", cost, None, "< 300 ms, <= 1 proc./ns", met)
    print(f"({load()})")


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
