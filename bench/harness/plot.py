"""The README plot: throughput and p99 against connections for both servers."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"hello-server": ("tab:orange", "o"), "flask-baseline": ("tab:blue", "s")}


def plot_sweep(data, path):
    fig, (rps_ax, p99_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for server in sorted({r["server"] for r in data["rows"]}):
        rows = sorted((r for r in data["rows"] if r["server"] == server), key=lambda r: r["connections"])
        color, marker = STYLE.get(server, ("tab:gray", "x"))
        conns = [r["connections"] for r in rows]
        rps_ax.plot(conns, [r["rps"] for r in rows], marker=marker, color=color, label=server)
        p99_ax.plot(conns, [r["p99_ms"] for r in rows], marker=marker, color=color, label=server)
    L = data["ceilings"].get("L_rps")
    if L:
        rps_ax.axhline(L, color="gray", linestyle="--", linewidth=1, label=f"L = {L:.0f} req/s")
    p99_ax.axhline(100, color="red", linestyle=":", linewidth=1, label="100 ms latency SLO")
    for ax, title, unit in ((rps_ax, "Throughput", "requests/s"), (p99_ax, "p99 latency", "ms (log)")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(data["settings"]["connections"], [str(c) for c in data["settings"]["connections"]])
        ax.set_xlabel("concurrent connections")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    p99_ax.set_yscale("log")
    machine = data["machine"]
    fig.suptitle(f"GET /greeting/1, {data['settings']['duration_s']} s per point, "
                 f"{machine['cpus']} CPUs ({machine['cpu_model']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
