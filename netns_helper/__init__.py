"""netns-helper: run systemd services in network namespaces built from ifupdown config."""

__version__ = "0.1.0"
