"""netns-helper: run systemd services in network namespaces built from ifupdown config."""

__version__ = "1.0"
