# SPDX-License-Identifier: GPL-3.0-or-later
"""Test tier 4, "system": the README's workflows with systemd as PID 1.

One boot of a Debian guest per release of ``tests/releases.py`` (``tests/system/run RELEASE``:
systemd-nspawn in a private network, mount and PID sandbox) runs every scenario of
``guest/scenarios/``; ``test_scenario`` checks each scenario's verdict on each release, and
the tests below (each run once per release too) check what a scenario left for the host to
read; a failure shows the scenario's commands, output and journal.
The guest runs the Debian package (``make deb``, rebuilt by ``tests/system/run`` when out of
date). Without root this tier is skipped, except under CI=true, where it fails instead.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.releases import RELEASES

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent.parent / "build" / "system" / "results"
RUN_TIMEOUT = 1500  # seconds; a first run also installs packages and builds the image
SCENARIOS = sorted(path.stem for path in (HERE / "guest" / "scenarios").glob("*.sh"))


@dataclass(frozen=True)
class Boot:
    """What one run of the guest left: its output, verdicts and the scenarios' logs."""

    release: str
    output: str = field(repr=False)  # what tests/system/run printed
    verdicts: dict[str, str]  # scenario name -> "PASS" or "FAIL"
    finished: bool  # the guest ran every scenario and powered off in time

    @property
    def results(self) -> Path:
        return RESULTS / self.release

    def log(self, scenario: str) -> str:
        path = self.results / f"{scenario}.log"
        return path.read_text(errors="replace") if path.exists() else f"(no {path})"


def read_summary(path: Path) -> tuple[dict[str, str], bool]:
    """Parses the guest's summary: "PASS|FAIL NAME SECONDS" lines, then "DONE"."""
    if not path.exists():
        return {}, False
    lines = path.read_text().splitlines()
    verdicts = {fields[1]: fields[0] for fields in map(str.split, lines) if len(fields) == 3}
    return verdicts, "DONE" in lines


@pytest.fixture(scope="module", params=RELEASES)
def boot(request: pytest.FixtureRequest) -> Boot:
    if os.geteuid() != 0:
        reason = "tier 4 needs root (unshare, systemd-nspawn)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    release: str = request.param
    results = RESULTS / release
    run = subprocess.run(
        [HERE / "run", release, results],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    verdicts, done = read_summary(results / "summary")
    status = results / "guest-status"
    finished = done and status.exists() and status.read_text().strip() == "0"
    return Boot(release=release, output=run.stdout, verdicts=verdicts, finished=finished)


def check(boot: Boot, scenario: str) -> None:
    __tracebackhide__ = True
    verdict = boot.verdicts.get(scenario)
    if verdict == "PASS" and boot.finished:
        return
    if verdict is None:
        pytest.fail(f"{scenario} did not run on {boot.release}; tests/system/run said:\n{boot.output}")
    if verdict == "PASS":
        pytest.fail(f"{scenario} passed, but the {boot.release} guest did not power off cleanly:\n{boot.output}")
    pytest.fail(f"{scenario} failed on {boot.release}; its commands, output and journal:\n{boot.log(scenario)}")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(boot: Boot, scenario: str) -> None:
    """Every scenario of guest/scenarios/, on every release, whether or not a test below names it."""
    check(boot, scenario)


def test_nginx_on_its_own_nic(boot: Boot) -> None:
    check(boot, "01-nginx")


def test_stop_tears_the_namespace_down(boot: Boot) -> None:
    check(boot, "02-stop")


def test_two_services_in_one_namespace(boot: Boot) -> None:
    check(boot, "03-two-services")


def test_bad_configuration_names_file_and_line(boot: Boot) -> None:
    check(boot, "04-bad-config")


def test_twenty_restarts_leave_nothing_behind(boot: Boot) -> None:
    check(boot, "05-restart-20")


def test_enabled_service_starts_in_its_namespace_at_boot(boot: Boot) -> None:
    check(boot, "06-boot")


def test_disable_restores_the_original_unit(boot: Boot) -> None:
    check(boot, "07-disable")


def test_enable_now_and_status_json_with_pids(boot: Boot) -> None:
    check(boot, "08-enable")


def test_join_follow_restarts_and_leave(boot: Boot) -> None:
    check(boot, "09-join")


def test_a_private_mount_namespace_would_break_the_unit(boot: Boot) -> None:
    check(boot, "10-private-mounts")


def test_hardened_unit_ends_other_users_processes(boot: Boot) -> None:
    check(boot, "11-stop-other-users")


def test_metrics_timer_writes_the_textfile(boot: Boot) -> None:
    check(boot, "12-metrics")


def test_metrics_file_parses_as_prometheus_text(boot: Boot) -> None:
    check(boot, "12-metrics")
    text = (boot.results / "netns_helper.prom").read_text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["netns_helper_link_rx_bytes"].type == "counter"
    assert families["netns_helper_link_up"].type == "gauge"
    rx = {tuple(sorted(s.labels.items())): s.value for s in families["netns_helper_link_rx_bytes"].samples}
    assert rx[(("link", "eth1"), ("netns", "nginx"))] > 0
    processes = {s.labels["netns"]: s.value for s in families["netns_helper_processes"].samples}
    assert processes["nginx"] >= 2


def test_publish_reaches_nginx_in_a_namespace_with_no_link_to_the_host(boot: Boot) -> None:
    check(boot, "13-publish")


def test_a_namespaces_own_ruleset_and_sysctls_and_reload_under_the_unit(boot: Boot) -> None:
    check(boot, "14-firewall")


def test_purge_leaves_nothing(boot: Boot) -> None:
    check(boot, "99-purge")


def test_node_exporter_serves_the_original_series(boot: Boot) -> None:
    """A real scrape of Debian's node_exporter: for every node_network_* family, our namespaced
    series (netns, device) and node_exporter's own root-namespace series (device) side by side."""
    check(boot, "13-node-exporter")
    text = (boot.results / "node-exporter.txt").read_text()
    node = {f.name: f for f in text_string_to_metric_families(text) if f.name.startswith("node_network_")}
    ours = {f.name: f for f in text_string_to_metric_families((boot.results / "netns_helper.prom").read_text())}
    mine = {name for name in ours if name.startswith("node_network_")}
    assert {"node_network_receive_bytes", "node_network_transmit_packets", "node_network_up"} <= mine
    for name in mine:
        labels = [s.labels for s in node[name].samples]
        assert any(lab.get("netns") == "nginx" for lab in labels), name
        assert any("netns" not in lab for lab in labels), f"{name}: node_exporter's own series are gone"
        assert node[name].documentation == ours[name].documentation, name
