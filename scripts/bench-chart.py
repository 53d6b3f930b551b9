#!/usr/bin/python3
"""Charts and target ratios from the peer benchmark's reports.

usage: scripts/bench-chart.py REPORT.md [REPORT.md ...] [--png docs/benchmarks.png] [--ratios]

Each REPORT.md is a report written by the external peer-benchmark harness (its peers/run.sh
writes results/peers-<date>[-null].md); its "Details" table holds the median of every metric per
client and workload. With --png, draws one row of charts per report: ops/s per workload
(log scale) and client CPU per operation (timed phase), one bar per client. With --ratios,
prints the issue's targets as markdown tables: this client (rows whose client starts with
"zk-rs") against zookeeper-client and against the best peer, within the same report.

Needs matplotlib only for --png (Debian: python3-matplotlib).
"""
import re
import sys

OURS = "zk-rs"
ZKC = "rust-zookeeper-client"
ORDER = ["get-seq", "get-pipe", "set-pipe", "create-pipe", "children", "watch"]


def number(cell):
    cell = cell.strip().replace(",", "").rstrip("*")
    try:
        return float(cell)
    except ValueError:
        return None


def read_report(path):
    """(title, {(client, workload): {column: value}}) from a report's Details table."""
    text = open(path).read()
    title = "null server (nullzk)" if "null server" in text.splitlines()[0] else "ZooKeeper 3.8.0"
    rows = {}
    header = None
    in_details = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_details = line.strip() == "## Details"
            header = None
            continue
        if not in_details or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells[0]) <= set("-: "):
            continue
        row = dict(zip(header, cells))
        values = {k: number(v) for k, v in row.items() if k not in ("client", "workload")}
        rows[(row["client"], row["workload"])] = values
    return title, rows


def workloads_of(rows):
    present = {w for (_, w) in rows}
    return [w for w in ORDER if w in present]


def clients_of(rows):
    seen = []
    for (c, _) in rows:
        if c not in seen:
            seen.append(c)
    return seen


def ratio_tables(path):
    title, rows = read_report(path)
    null = title.startswith("null")
    out = [f"### {title} ({path.rsplit('/', 1)[-1]})", ""]
    clients = clients_of(rows)
    ours = [c for c in clients if c.startswith(OURS)]
    peers = [c for c in clients if not c.startswith(OURS)]
    zkc = next((c for c in peers if c.startswith(ZKC)), None)
    ops, cpu, p50, rss = "ops/s", "client CPU µs/op (timed)", "p50 µs", "peak RSS MB"
    out.append("| workload | client | ops/s | vs " + ("zookeeper-client" if null else "best peer")
               + " | CPU µs/op | vs " + ("zookeeper-client" if null else "best peer")
               + " | p50 µs | vs best peer | peak RSS MB | vs zookeeper-client |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for w in workloads_of(rows):
        peer_rows = [rows[(p, w)] for p in peers if (p, w) in rows]
        if not peer_rows:
            continue
        best_ops = max(r[ops] for r in peer_rows if r.get(ops))
        best_cpu = min(r[cpu] for r in peer_rows if r.get(cpu))
        best_p50 = min(r[p50] for r in peer_rows if r.get(p50))
        z = rows.get((zkc, w), {})
        for c in ours:
            r = rows.get((c, w))
            if not r or not r.get(ops):
                out.append(f"| {w} | {c} | failed | | | | | | | |")
                continue
            ref_ops = z.get(ops) if null else best_ops
            ref_cpu = z.get(cpu) if null else best_cpu
            cells = [
                w, c,
                f"{r[ops]:,.0f}", f"{r[ops] / ref_ops:.2f}x" if ref_ops else "",
                f"{r[cpu]:.2f}", f"{r[cpu] / ref_cpu:.2f}x" if ref_cpu else "",
                f"{r[p50]:,.1f}", f"{r[p50] / best_p50:.2f}x",
                f"{r[rss]:.1f}", f"{r[rss] / z[rss]:.2f}x" if z.get(rss) else "",
            ]
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return "\n".join(out)


def chart(paths, png):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reports = [read_report(p) for p in paths]
    # One colour per client across every report, and one legend for all of them.
    everyone = []
    for _, rows in reports:
        everyone += [c for c in clients_of(rows) if c not in everyone]
    palette = plt.get_cmap("tab20").colors
    colour = {c: palette[i % len(palette)] for i, c in enumerate(everyone)}
    fig, axes = plt.subplots(len(reports), 2, figsize=(15, 4.6 * len(reports) + 0.8), squeeze=False)
    for (title, rows), (ax_ops, ax_cpu) in zip(reports, axes):
        workloads = workloads_of(rows)
        clients = clients_of(rows)
        width = 0.8 / len(clients)
        for i, c in enumerate(clients):
            xs = [k + (i - (len(clients) - 1) / 2) * width for k in range(len(workloads))]
            ops = [rows.get((c, w), {}).get("ops/s") or 0 for w in workloads]
            cpu = [rows.get((c, w), {}).get("client CPU µs/op (timed)") or 0 for w in workloads]
            style = dict(edgecolor="black", linewidth=0.6) if c.startswith(OURS) else {}
            ax_ops.bar(xs, ops, width, label=c, color=colour[c], **style)
            ax_cpu.bar(xs, cpu, width, label=c, color=colour[c], **style)
        for ax, what in ((ax_ops, "operations per second (higher is better)"),
                         (ax_cpu, "client CPU µs per operation, timed phase (lower is better)")):
            ax.set_xticks(range(len(workloads)))
            ax.set_xticklabels(workloads)
            ax.set_yscale("log")
            ax.set_title(f"{title}: {what}", fontsize=10)
            ax.grid(axis="y", which="both", alpha=0.3)
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour[c], edgecolor="black" if c.startswith(OURS) else colour[c],
                     label=c) for c in everyone]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(everyone), 5), fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(png, dpi=110)
    print(f"written: {png}", file=sys.stderr)


def main(argv):
    paths, png, ratios = [], None, False
    it = iter(argv)
    for a in it:
        if a == "--png":
            png = next(it)
        elif a == "--ratios":
            ratios = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    if not paths:
        print(__doc__, file=sys.stderr)
        return 64
    if ratios:
        for p in paths:
            print(ratio_tables(p))
    if png:
        chart(paths, png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
