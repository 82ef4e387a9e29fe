"""Peak resident memory of a process, per run: VmHWM, which Linux lets a process reset."""

from __future__ import annotations

from pathlib import Path


def reset_peak_rss() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM, so each run's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_mib(pid: int | str = "self", field: str = "VmHWM") -> float:
    """The peak (VmHWM) or, with field="VmRSS", the current resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")
