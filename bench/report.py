#!/usr/bin/env python3
"""Turn one bench/run VM run into JSON, gnuplot PNGs and a Markdown report.

Usage: bench/report.py RESULTS_DIR   (bench/run calls it; bench/run --report-only DIR too)

Reads RESULTS_DIR/vm/results.txt (the guest's BENCH-* lines) and summary.txt, and writes:
  runs/<scenario>-<system>-<rep>.json  one object per run (with its ground-truth time series)
  <scenario>.json                      one object per system: medians, spreads, runs
  results.json                         every scenario
  plots/*.dat, plots/*.gp              the data and gnuplot scripts behind the figures
  <scenario>-locality.png, -moved.png, -probe.png, -perf.png (interleave: -even.png;
  tier: -hot.png instead of -locality.png)
  report.md
"""

import json
import math
import os
import subprocess
import sys

SYSTEM_ORDER = ["none", "autonuma", "autonuma-tuned", "numad", "numab", "numab-unlimited"]
LABELS = {
    "none": "none (numa_balancing=0)",
    "autonuma": "AutoNUMA (defaults)",
    "autonuma-tuned": "AutoNUMA tuned (scan 100 ms-1 s)",
    "numad": "numad -i 1:5",
    "numab": "numab (numabd, follow)",
    "numab-unlimited": "numab, Budget=unlimited",
}
# Per-scenario labels where a system runs differently there.
SCENARIO_LABELS = {
    "interleave": {"numab": "numab (numabd, interleave)",
                   "numab-unlimited": "numab, interleave, Budget=unlimited"},
    "tier": {
        "autonuma": "AutoNUMA tiering (numa_balancing=2, defaults)",
        "autonuma-tuned": "AutoNUMA tiering tuned (=2, scan 100 ms-1 s)",
        "numab": "numab (numabd, tier, HotThreshold=1s)",
        "numab-unlimited": "numab, tier, Budget=unlimited",
    },
}
SHORT = {
    "none": "none",
    "autonuma": "AutoNUMA",
    "autonuma-tuned": "AutoNUMA tuned",
    "numad": "numad",
    "numab": "numab",
    "numab-unlimited": "numab unlimited",
}
COLORS = {
    "none": "#808080",
    "autonuma": "#1f77b4",
    "autonuma-tuned": "#17becf",
    "numad": "#ff7f0e",
    "numab": "#2ca02c",
    "numab-unlimited": "#98df8a",
}
SCENARIO_TEXT = {
    "misplaced": "Two managed cgroups whose memory sits on the wrong node (a: thread on node C0, "
    "memory on C1 or on the CPU-less node; b: the other way round; 320 MiB each on 2n, 144 MiB "
    "on smaller nodes) and one unmanaged cgroup running a latency probe (64 MiB, also misplaced, "
    "that nobody is asked to fix). Fixed 12 s window, so that the unmanaged cgroup's numbers "
    "cover the same time under every system.",
    "sparse": "misplaced's cgroups and probe, but the managed workloads touch their memory at a "
    "moderate rate (one chunk of 64 pages every 5 ms, 50 MiB/s: a sweep of 320 MiB takes about "
    "6 s) instead of as fast as they can. AutoNUMA migrates a page when it is touched; numab's "
    "move threads find the CPU free (in misplaced, the two busy workloads' vCPUs hold both of "
    "the host's cores). Fixed 12 s window.",
    "moved": "The systems run first, for 10 s at steady state, with every workload's memory "
    "local (a: thread and 320 MiB on C0, b: on C1, 144 MiB on smaller nodes; the unmanaged "
    "probe's 64 MiB on its own node); at t=0 the threads of a and b are pinned to the other node "
    "(as a re-pinning or a cpuset change would do), which misplaces their memory while every "
    "system is already running. Fixed 20 s window.",
    "tenants": "An unmanaged latency-sensitive tenant (a probe, 128 MiB, memory local, one chunk "
    "of 64 pages every 5 ms) beside two managed batch cgroups with misplaced memory. Fixed 12 s "
    "window, so the probe's percentiles cover the same time under every system.",
    "private": "numa02's shape: one process with one thread per CPU, each thread with its own "
    "slice of the memory; all memory starts on node C1 and all threads start pinned to C0, and "
    "at t=0 the threads may run anywhere (the scheduler spreads them).",
    "shared": "numa01's shape: two processes whose threads all share their process's array; x "
    "starts with threads on C0 and memory on C1, y the other way round; at t=0 the threads may "
    "run anywhere. The best placement is each process (threads and memory) on one node.",
    "interleave": "One managed process (320 MiB on 2n, 144 MiB on smaller nodes) with one thread "
    "per CPU, every thread walking all of its memory (a shared array), the threads free to run "
    "on every CPU node, and all of the memory first placed on node C0. The goal is memory "
    "spread evenly over the CPU nodes (numab's interleave mode); AutoNUMA and numad have no "
    "such goal: their columns show what they do to a shared array. The run ends 3 s after "
    "every CPU node holds its even share within 10%, at most 20 s.",
    "tier": "Topology tier only: one managed process (144 MiB) whose memory all sits on the "
    "CPU-less, slower node, its thread on node C0; after placement only its first third (the "
    "hot part, 48 MiB) is touched, the rest is never touched again (cold). The goal is the hot "
    "part on the fast (CPU) nodes while the cold part stays on the slow node. AutoNUMA runs in "
    "its memory tiering mode (kernel.numa_balancing=2: a slow-tier page whose hint fault came "
    "within hot_threshold_ms, 1 s by default, is promoted); numab runs Mode=tier with "
    "HotThreshold=1s (access heat from DAMON). Fixed 30 s window.",
    "perf-numa": "perf bench numa mem (Debian's linux-perf): 2 processes x 2 threads, each process "
    "with its own memory, all of it first touched on CPU 0 (-0), threads free; perf measures "
    "when every process's threads run on a single node (-m; it stops there, and it looks at threads "
    "only, not at memory, so the scheduler alone can 'converge' it by chance).",
}
FIELDS_INT = {"rep", "ok", "managed_pages", "misplaced_pages", "pages_moved", "numa_pages_migrated",
              "hint_faults", "hint_faults_local", "pte_updates", "pgmigrate_fail",
              "thp_migration_split", "managed_numa_pages_migrated", "managed_threads_moved",
              "unmanaged_hint_faults", "unmanaged_numa_pages_migrated", "unmanaged_pte_updates",
              "probe_p50_us", "probe_p99_us", "probe_max_us", "probe_samples",
              "unmanaged_pages_moved", "unmanaged_threads_moved", "numad_moves"}
# Times to a goal: "not reached" counts as later than any time for the median.
TIME_FIELDS = ("time_to_95_s", "time_to_goal_s", "perf_convergence_s")
SUMMARY_FIELDS = ["time_to_95_s", "final_locality", "start_locality", "moved_over_misplaced",
                  "pages_moved", "misplaced_pages", "numa_pages_migrated", "hint_faults",
                  "pte_updates", "unmanaged_pages_moved", "unmanaged_hint_faults",
                  "unmanaged_numa_pages_migrated", "unmanaged_pte_updates",
                  "unmanaged_threads_moved", "managed_threads_moved", "max_block_ms",
                  "probe_p50_us", "probe_p99_us", "probe_max_us", "daemon_cpu_s",
                  "workload_stime_s", "duration_s", "numad_moves", "numad_max_move_s",
                  "perf_convergence_s", "perf_converged", "perf_convergence_or_runtime_s", "perf_gbps_total", "perf_gbps_thread",
                  "perf_runtime_s", "time_to_goal_s", "start_goal", "final_goal", "start_even",
                  "final_even", "start_max_dev", "final_max_dev", "start_hot_fast", "final_hot_fast",
                  "start_cold_slow", "final_cold_slow", "managed_pages"]
# Goal scenarios: what their goal metric is called, its threshold and its plot.
GOALS = {
    "even": {"name": "evenness over the CPU nodes", "met": "every CPU node within 10% of its even share",
             "plot": "even", "ylabel": "evenness (1 = even over the CPU nodes, 0 = all on one node)"},
    "hot": {"name": "hot part on the fast nodes", "met": "90% of the hot part on CPU nodes",
            "plot": "hot", "ylabel": "share of the hot part on the fast (CPU) nodes"},
}


def label(sc, sys_):
    return SCENARIO_LABELS.get(sc, {}).get(sys_, LABELS.get(sys_, sys_))


def parse_value(key, v):
    if v in ("null", "", "?"):
        return None
    try:
        if key in FIELDS_INT:
            return int(v)
        f = float(v)
        return f if math.isfinite(f) else None
    except ValueError:
        return v


def parse_kv(words):
    d = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            d[k] = v
    return d


def median(vals):
    vals = sorted(vals)
    if not vals:
        return None
    n = len(vals)
    return vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2


def load(outdir):
    res = os.path.join(outdir, "vm", "results.txt")
    summ = os.path.join(outdir, "vm", "summary.txt")
    info, nodes, runs, ts, skips, stats, checks, perf = {}, [], [], {}, {}, {}, [], {}
    with open(res, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("BENCH-INFO "):
                d = parse_kv(line.split()[1:])
                if "node" in d:
                    nodes.append(d)
                else:
                    info.update(d)
            elif line.startswith("BENCH-TS "):
                d = parse_kv(line.split()[1:])
                key = (d["sc"], d["sys"], int(d["rep"]))
                ts.setdefault(key, []).append({k: parse_value(k, v) for k, v in d.items()
                                               if k not in ("sc", "sys", "rep")})
            elif line.startswith("BENCH-RUN "):
                d = parse_kv(line.split()[1:])
                r = {k: (v if k in ("sc", "sys", "error") else parse_value(k, v)) for k, v in d.items()}
                runs.append(r)
            elif line.startswith("BENCH-SKIP "):
                head, _, reason = line.partition(" reason=")
                d = parse_kv(head.split()[1:])
                skips[(d["sc"], d["sys"])] = reason
            elif line.startswith("BENCH-NUMABSTATS "):
                parts = line.split(" ", 4)
                d = parse_kv(parts[1:4])
                try:
                    stats[(d["sc"], d["sys"], int(d["rep"]))] = json.loads(parts[4])
                except (ValueError, IndexError):
                    pass
            elif line.startswith("BENCH-PERF "):
                parts = line.split(" ", 4)
                d = parse_kv(parts[1:4])
                perf.setdefault((d["sc"], d["sys"], int(d["rep"])), []).append(
                    parts[4] if len(parts) > 4 else "")
            elif line.startswith("CHECK "):
                checks.append(line)
    # The checks tests/vm/run adds (vm.crash, vm.end: the guest died) are not on the results
    # channel; it writes them with the guest's to guest-checks.txt (or host-checks.txt).
    for name in ("guest-checks.txt", "host-checks.txt"):
        path = os.path.join(outdir, "vm", name)
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            checks += [line.rstrip("\n") for line in f
                       if line.startswith("CHECK ") and line.rstrip("\n") not in checks]
    summary = {}
    if os.path.exists(summ):
        with open(summ) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                summary.setdefault(k, v)
    return info, nodes, runs, ts, skips, stats, checks, perf, summary


def summarize(sc, sys_, runs, skip, kernel, topology):
    obj = {"scenario": sc, "system": sys_, "label": label(sc, sys_)}
    obj.update(kernel)
    obj["topology"] = topology
    if skip is not None:
        obj.update({"skipped": skip, "reps": 0})
        for f in ("time_to_95_s", "moved_over_misplaced", "unmanaged_pages_moved",
                  "unmanaged_hint_faults", "max_block_ms", "daemon_cpu_s"):
            obj[f] = None
        return obj
    obj["skipped"] = None
    obj["reps"] = len(runs)
    obj["runs_ok"] = sum(1 for r in runs if r.get("ok") == 1)
    spread = {}
    share_fields = sorted({k for r in runs for k in r
                           if k.startswith(("start_share_node", "final_share_node"))})
    goals = {r.get("goal") for r in runs if isinstance(r.get("goal"), str)}
    if goals:
        obj["goal"] = goals.pop()
    for f in SUMMARY_FIELDS + share_fields:
        vals = [r.get(f) for r in runs]
        if f in TIME_FIELDS:
            if f != "time_to_95_s" and not any(f in r for r in runs):
                continue
            conv = [v for v in vals if isinstance(v, (int, float))]
            # Not reached counts as infinitely late: the median is null when most runs did not.
            keyed = sorted(vals, key=lambda v: v if isinstance(v, (int, float)) else math.inf)
            m = keyed[len(keyed) // 2] if keyed else None
            if len(keyed) % 2 == 0 and keyed:
                a, b = keyed[len(keyed) // 2 - 1], keyed[len(keyed) // 2]
                m = (a + b) / 2 if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            obj[f] = m
            if f == "time_to_95_s":
                obj["converged_runs"] = len(conv)
            elif f == "time_to_goal_s":
                obj["goal_runs"] = len(conv)
            spread[f] = {"min": min(conv) if conv else None, "max": max(conv) if conv else None,
                         "values": vals}
            continue
        nums = [v for v in vals if isinstance(v, (int, float))]
        if not nums and all(v is None for v in vals):
            if any(f in r for r in runs):
                obj[f] = None
            continue
        obj[f] = median(nums)
        spread[f] = {"min": min(nums), "max": max(nums), "values": vals}
    obj["spread"] = spread
    return obj


def fmt(v, digits=2, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        if abs(v) >= 100:
            s = f"{v:.0f}"
        else:
            s = f"{v:.{digits}f}"
    else:
        s = str(v)
    return s + unit


def table_header(md, hdr):
    """Append a Markdown table's header and separator rows."""
    md.append("| " + " | ".join(hdr) + " |")
    md.append("|" + "---|" * len(hdr))


def time_cell(o, field, runs_field):
    """A time-to-goal cell: median (min-max) or "not reached", and the runs that reached it."""
    t = fmt_spread(o, field, 1) if o.get(field) is not None else "not reached"
    return t + f" ({o.get(runs_field, 0)}/{o['reps']})"


def fmt_spread(obj, f, digits=2, scale=1.0, unit=""):
    v = obj.get(f)
    sp = obj.get("spread", {}).get(f)
    if v is None:
        return "n/a"
    s = fmt(v * scale if isinstance(v, (int, float)) else v, digits, unit)
    if sp and sp.get("min") is not None and sp["max"] != sp["min"]:
        s += f" ({fmt(sp['min'] * scale, digits)}-{fmt(sp['max'] * scale, digits)})"
    return s


def representative(sc, sys_, runs, goal=None):
    """The run whose time to 95% (or to the goal) is the median (ties: final locality or goal
    metric), for the plot over time."""
    rs = [r for r in runs if r["sc"] == sc and r["sys"] == sys_]
    if not rs:
        return None
    tf, ff = ("time_to_goal_s", "final_goal") if goal else ("time_to_95_s", "final_locality")
    rs.sort(key=lambda r: (r.get(tf) if isinstance(r.get(tf), (int, float))
                           else math.inf, -(r.get(ff) or 0)))
    return rs[(len(rs) - 1) // 2]


def mib(pages):
    return pages * 4096 / 2**20 if isinstance(pages, (int, float)) else None


def goal_table(sc, goal, ran, nodes):
    """The Markdown table of a goal scenario (interleave: goal even; tier: goal hot)."""
    md = []
    moved = "MiB moved / to move"
    if goal == "even":
        share_keys = sorted({k for o in ran for k in o if k.startswith("final_share_node")},
                            key=lambda k: int(k[len("final_share_node"):]))
        hdr = ["system", "within 10% of even after, s (runs)", "final evenness",
               "final share per CPU node (" + ", ".join(
                   "node " + k[len("final_share_node"):] for k in share_keys) + ")",
               "final max deviation from even", moved]
    else:
        share_keys = []
        hdr = ["system", "90% of the hot part on fast nodes after, s (runs)",
               "hot part on fast nodes, final", "cold part still on the slow node, final", moved,
               "hint faults"]
    hdr += ["longest stall, ms", "daemon CPU, s", "workload kernel CPU, s", "checksums OK (runs)"]
    table_header(md, hdr)
    for o in ran:
        t = time_cell(o, "time_to_goal_s", "goal_runs")
        row = [label(sc, o["system"]), t]
        mv = f"{fmt_spread(o, 'pages_moved', 0, scale=4096 / 2**20)} / {fmt(mib(o.get('misplaced_pages')), 0)}"
        if goal == "even":
            row += [fmt_spread(o, "final_even", 2),
                    " / ".join(fmt(o.get(k), 2) for k in share_keys),
                    fmt_spread(o, "final_max_dev", 1, scale=100, unit="%"), mv]
        else:
            row += [fmt_spread(o, "final_hot_fast", 1, scale=100, unit="%"),
                    fmt_spread(o, "final_cold_slow", 1, scale=100, unit="%"), mv,
                    fmt_spread(o, "hint_faults", 0)]
        row += [fmt_spread(o, "max_block_ms", 0), fmt_spread(o, "daemon_cpu_s", 2),
                fmt_spread(o, "workload_stime_s", 1), f"{o.get('runs_ok', 0)}/{o['reps']}"]
        md.append("| " + " | ".join(row) + " |")
    return md


def goal_plot(sc, goal, ran, runs, ts, plots, title_tail):
    """The goal metric over time, one line per system (its median run); tier adds the cold
    part still on the slow node, dashed."""
    g = GOALS[goal]
    files = []
    for o in ran:
        rep = representative(sc, o["system"], runs, goal)
        if not rep:
            continue
        series = ts.get((sc, o["system"], rep["rep"]), [])
        fn = f"{sc}-{o['system']}-{g['plot']}.dat"
        with open(os.path.join(plots, fn), "w") as f:
            f.write(f"# t_s goal cold_slow ({o['system']}, rep {rep['rep']}; goal: {g['name']})\n")
            for p in series:
                if p.get("t") is None or p.get("goal") is None:
                    continue
                cold = p.get("cold_slow")
                f.write(f"{p['t']} {p['goal']} {cold if cold is not None else '?'}\n")
        files.append((fn, o["system"], rep["rep"]))
    if not files:
        return []
    lines = []
    for fn, s_, rp in files:
        lines.append(f"'{fn}' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '{COLORS[s_]}' "
                     f"title '{SHORT[s_]} (rep {rp})'")
        if goal == "hot":
            lines.append(f"'{fn}' using 1:3 with lines lw 1.5 dt 2 lc rgb '{COLORS[s_]}' "
                         f"title '{SHORT[s_]}: cold part still on the slow node'")
    if goal == "even":
        # Every CPU node within 10% of its even share 1/n means evenness >= 1 - 0.1 / (n - 1).
        n = len({k for o in ran for k in o if k.startswith("final_share_node")}) or 2
        line_at = 1 - 0.1 / (n - 1) if n > 1 else 0.9
        title = (f"{sc}: evenness of the managed memory over the {n} CPU nodes (median run per "
                 f"system; dotted: within 10% of even)")
    else:
        line_at = 0.9
        title = (f"{sc}: hot part on the fast nodes (solid; dotted: 90%) and cold part left on "
                 f"the slow node (dashed), median run per system")
    key = "bottom right" if goal == "even" else "below"
    arrow = (f"set arrow from graph 0, first {line_at:.3f} to graph 1, first {line_at:.3f} "
             f"nohead dt 3 lc rgb '#aaaaaa'")
    gnuplot(os.path.join(plots, f"{sc}-{g['plot']}.gp"), f"""set terminal pngcairo noenhanced size 960,540 font ',10'
set output '../{sc}-{g['plot']}.png'
set title "{gp_escape(title)}\\n{gp_escape(title_tail)}"
set xlabel 'seconds since the system was switched on'
set ylabel '{g['ylabel']}'
set yrange [0:1.05]
set xrange [0:*]
set grid
set key {key}
{arrow}
plot {", ".join(lines)}
""")
    return [f"![{sc}: {g['name']} over time]({sc}-{g['plot']}.png)", ""]


def gnuplot(script_path, script):
    with open(script_path, "w") as f:
        f.write(script)
    try:
        subprocess.run(["gnuplot", os.path.basename(script_path)], check=True,
                       cwd=os.path.dirname(script_path), capture_output=True, text=True)
        return True
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", "") or str(e)
        print(f"bench/report.py: gnuplot {script_path} failed: {err.strip()[-500:]}", file=sys.stderr)
        return False


def gp_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    info, nodes, runs, ts, skips, stats, checks, perf, summary = load(outdir)
    if not info:
        print(f"bench/report.py: no BENCH-INFO line in {outdir}/vm/results.txt: the benchmark did not run",
              file=sys.stderr)
        return 1
    uname = info.get("uname", summary.get("kernel_release", "?"))
    kpkg = summary.get("kernel_package", info.get("pkg", "?"))
    line = info.get("line", "?")
    shape = info.get("shape", "?")
    kernel = {"kernel": uname, "kernel_package": kpkg, "kernel_line": line}
    title_tail = f"kernel {uname} ({line}), topology {shape}, qemu TCG"
    os.makedirs(os.path.join(outdir, "runs"), exist_ok=True)
    plots = os.path.join(outdir, "plots")
    os.makedirs(plots, exist_ok=True)

    # Perf output, parsed into the runs.
    for r in runs:
        lines = perf.get((r["sc"], r["sys"], r["rep"]))
        if not lines:
            continue
        r["perf_output"] = lines
        for pl in lines:
            parts = [p.strip() for p in pl.split(",")]
            if len(parts) >= 4 and parts[0] == "main":
                try:
                    val = float(parts[1])
                except ValueError:
                    continue
                name = parts[3]
                if "NUMA-convergence-latency" in name:
                    r["perf_convergence_s"] = val
                elif name == "total-speed":
                    r["perf_gbps_total"] = val
                elif name == "thread-speed":
                    r["perf_gbps_thread"] = val
                elif name == "runtime-max/thread":
                    r["perf_runtime_s"] = val
        # perf reports the whole runtime as the latency when the processes never converged.
        # perf -m stops at convergence; otherwise it runs its -s seconds and reports them as
        # the latency.
        c, limit = r.get("perf_convergence_s"), r.get("perf_secs") or r.get("perf_runtime_s")
        if c is not None and limit is not None:
            r["perf_converged"] = 1 if c < limit - 0.05 else 0
            r["perf_convergence_or_runtime_s"] = c
            if not r["perf_converged"]:
                r["perf_convergence_s"] = None

    scen_order = []
    for r in runs:
        if r["sc"] not in scen_order:
            scen_order.append(r["sc"])
    for (sc, _s) in skips:
        if sc not in scen_order:
            scen_order.append(sc)

    # Raw runs.
    for r in runs:
        key = (r["sc"], r["sys"], r["rep"])
        obj = dict(r)
        obj.update(kernel)
        obj["topology"] = shape
        obj["timeseries"] = ts.get(key, [])
        if key in stats:
            obj["numabctl_stats"] = stats[key]
        with open(os.path.join(outdir, "runs", f"{r['sc']}-{r['sys']}-{r['rep']}.json"), "w") as f:
            json.dump(obj, f, indent=1)

    all_results = {"kernel": uname, "kernel_package": kpkg, "kernel_line": line, "topology": shape,
                   "nodes": nodes, "info": info, "reps": int(info.get("reps", 0) or 0),
                   "scenarios": {}}
    md = []
    md.append(f"# numab benchmark: {shape}, kernel {uname}")
    md.append("")
    md.append(f"- Kernel: `{uname}` (line `{line}`, package `{kpkg}`)")
    md.append(f"- Topology `{shape}`: " + "; ".join(
        f"node {n['node']}: CPUs {n.get('cpus') or 'none'}, {n.get('mem_mib')} MiB" for n in nodes))
    md.append(f"- Repetitions: {info.get('reps')} per scenario and system, all in one VM "
              f"(qemu TCG, `-cpu qemu64`); ground truth polled every {info.get('poll_ms')} ms")
    md.append(f"- numad: `numad {info.get('numad_opts', '').replace('_', ' ')}`; numabd in this build: "
              f"{info.get('numabd')}; per-cgroup NUMA counters in memory.stat: {info.get('memcg_numa_counters')}")
    ran_scenarios = list(dict.fromkeys([r["sc"] for r in runs] + [sc for sc, _ in skips]))
    md.append(f"- Date: {summary.get('date', '?')}; reproduce: `bench/run --kernel {line} --topology {shape} "
              f"--reps {info.get('reps')} {' '.join(ran_scenarios)}`")
    md.append("")
    crashed = [c for c in checks if c.startswith("CHECK vm.crash") or c.startswith("CHECK vm.end")]
    if crashed:
        md.append("**This run is incomplete:** the VM did not finish (" + "; ".join(
            c.split(": ", 1)[-1] for c in crashed) + "). The tables hold the runs that finished; "
            "see `vm/console.log`.")
        md.append("")
    md.append("**Read this first.** qemu's TCG emulates the NUMA topology but not NUMA latency: a "
              "remote access costs the same as a local one here. This report therefore compares "
              "*placement* (the locality the workloads themselves measure, how fast it is reached) "
              "and *cost* (pages moved, hint faults, stalls, CPU time), never throughput or "
              "speed-ups. Times are TCG times on a 2-core host running 4 vCPUs: compare systems "
              "with each other, not with real hardware. `none` is the noise floor for stalls and "
              "probe latency.")
    md.append("")

    for sc in scen_order:
        sys_present = [s for s in SYSTEM_ORDER if any(r["sc"] == sc and r["sys"] == s for r in runs)
                       or (sc, s) in skips]
        objs = []
        for s in sys_present:
            rs = sorted([r for r in runs if r["sc"] == sc and r["sys"] == s], key=lambda r: r["rep"])
            objs.append(summarize(sc, s, rs, skips.get((sc, s)) if not rs else None, kernel, shape))
            for o in objs[-1:]:
                o["runs"] = [f"runs/{sc}-{s}-{r['rep']}.json" for r in rs]
        scen_obj = {"scenario": sc, "kernel": uname, "kernel_package": kpkg, "kernel_line": line,
                    "topology": shape, "reps": int(info.get("reps", 0) or 0),
                    "description": SCENARIO_TEXT.get(sc, ""), "systems": objs}
        all_results["scenarios"][sc] = objs
        with open(os.path.join(outdir, f"{sc}.json"), "w") as f:
            json.dump(scen_obj, f, indent=1)

        md.append(f"## {sc}")
        md.append("")
        md.append(SCENARIO_TEXT.get(sc, ""))
        md.append("")
        ran = [o for o in objs if not o["skipped"]]
        has_probe = any(o.get("probe_p50_us") is not None for o in ran)
        is_perf = sc == "perf-numa"
        goal = next((o.get("goal") for o in ran if o.get("goal") in GOALS), None)
        if ran:
            if goal:
                md.extend(goal_table(sc, goal, ran, nodes))
            elif is_perf:
                md.append("| system | converged (perf -m) after, s (converged runs) | GB/s total (TCG) | "
                          "pages moved | hint faults | daemon CPU s | workload kernel CPU s |")
                md.append("|---|---|---|---|---|---|---|")
                for o in ran:
                    conv = fmt_spread(o, 'perf_convergence_s', 1) if o.get("perf_convergence_s") is not None \
                        else "not converged"
                    nconv = sum(1 for v in o.get("spread", {}).get("perf_converged", {}).get("values", [])
                                if v == 1)
                    md.append(f"| {label(sc, o['system'])} | {conv} ({nconv}/{o['reps']}) | "
                              f"{fmt_spread(o, 'perf_gbps_total', 3)} | {fmt_spread(o, 'pages_moved', 0)} | "
                              f"{fmt_spread(o, 'hint_faults', 0)} | {fmt_spread(o, 'daemon_cpu_s', 2)} | "
                              f"{fmt_spread(o, 'workload_stime_s', 1)} |")
            else:
                hdr = ["system", "95% locality after, s (converged runs)", "final locality",
                       "moved / misplaced", "hint faults"]
                if has_probe:
                    hdr += ["unmanaged: pages moved / hint faults"]
                hdr += ["longest stall, ms", "daemon CPU, s", "workload kernel CPU, s",
                        "threads re-pinned"]
                if has_probe:
                    hdr += ["probe p50 / p99 / max, ms"]
                table_header(md, hdr)
                for o in ran:
                    t95 = time_cell(o, "time_to_95_s", "converged_runs")
                    row = [label(sc, o["system"]), t95, fmt_spread(o, "final_locality", 2),
                           fmt_spread(o, "moved_over_misplaced", 2), fmt_spread(o, "hint_faults", 0)]
                    if has_probe:
                        row.append(f"{fmt(o.get('unmanaged_pages_moved'), 0)} / "
                                   f"{fmt(o.get('unmanaged_hint_faults'), 0)}")
                    row += [fmt_spread(o, "max_block_ms", 0), fmt_spread(o, "daemon_cpu_s", 2),
                            fmt_spread(o, "workload_stime_s", 1), fmt(o.get("managed_threads_moved"), 0)]
                    if has_probe:
                        p = [o.get("probe_p50_us"), o.get("probe_p99_us"), o.get("probe_max_us")]
                        row.append(" / ".join(fmt(v / 1000 if v is not None else None, 1) for v in p))
                    md.append("| " + " | ".join(row) + " |")
            md.append("")
            if goal:
                md.append("Medians over the repetitions, (min-max) where they differ; \"not "
                          "reached\" counts as later than any time for the median. MiB moved: the "
                          "whole VM's pgmigrate_success; \"to move\": the fewest MiB that meet the "
                          "goal from the t=0 placement.")
            else:
                md.append("Medians over the repetitions, (min-max) where they differ. Unmanaged hint "
                          "faults come from the probe cgroup's memory.stat (6.12 and later; n/a on 6.1).")
            md.append("")
        for o in objs:
            if o["skipped"]:
                md.append(f"- **{label(sc, o['system'])}** did not run: {o['skipped']}")
        if any(o["skipped"] for o in objs):
            md.append("")

        # Figures.
        if ran and goal:
            md.extend(goal_plot(sc, goal, ran, runs, ts, plots, title_tail))
        if ran and not is_perf and not goal:
            files = []
            for o in ran:
                rep = representative(sc, o["system"], runs)
                if not rep:
                    continue
                series = ts.get((sc, o["system"], rep["rep"]), [])
                fn = f"{sc}-{o['system']}-locality.dat"
                with open(os.path.join(plots, fn), "w") as f:
                    f.write(f"# t_s locality ({o['system']}, rep {rep['rep']})\n")
                    for p in series:
                        if p.get("t") is not None and p.get("loc") is not None:
                            f.write(f"{p['t']} {p['loc']}\n")
                files.append((fn, o["system"], rep["rep"]))
            if files:
                plot_lines = ", ".join(
                    f"'{fn}' using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '{COLORS[s]}' "
                    f"title '{SHORT[s]} (rep {rp})'" for fn, s, rp in files)
                gnuplot(os.path.join(plots, f"{sc}-locality.gp"), f"""set terminal pngcairo noenhanced size 960,540 font ',10'
set output '../{sc}-locality.png'
set title "{gp_escape(sc)}: ground-truth locality of the managed workloads (median run per system)\\n{gp_escape(title_tail)}"
set xlabel 'seconds since the system was switched on'
set ylabel 'locality (share of accesses that are local)'
set yrange [0:1.05]
set xrange [0:*]
set grid
set key bottom right
set arrow from graph 0, first 0.95 to graph 1, first 0.95 nohead dt 2 lc rgb '#aaaaaa'
plot {plot_lines}
""")
                md.append(f"![{sc}: locality over time]({sc}-locality.png)")
                md.append("")
        if ran and not is_perf:
            # Bytes moved.
            fn = f"{sc}-moved.dat"
            with open(os.path.join(plots, fn), "w") as f:
                f.write("# idx system moved_mib min max misplaced_mib color\n")
                for i, o in enumerate(ran):
                    sp = o.get("spread", {}).get("pages_moved", {})
                    med = (o.get("pages_moved") or 0) * 4096 / 2**20
                    lo = (sp.get("min") or 0) * 4096 / 2**20
                    hi = (sp.get("max") or 0) * 4096 / 2**20
                    mis = (o.get("misplaced_pages") or 0) * 4096 / 2**20
                    f.write(f"{i} \"{SHORT[o['system']]}\" {med:.1f} {lo:.1f} {hi:.1f} {mis:.1f} "
                            f"0x{COLORS[o['system']][1:]}\n")
            gnuplot(os.path.join(plots, f"{sc}-moved.gp"), f"""set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../{sc}-moved.png'
set title "{gp_escape(sc)}: memory migrated during a run (all of the VM), median and min-max\\n{gp_escape(title_tail)}"
set ylabel 'MiB migrated (pgmigrate_success x 4 KiB)'
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set grid ytics
set key top left
plot '{fn}' using 1:3:7:xtic(2) with boxes lc rgb variable notitle, \\
     '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 title 'min-max', \\
     '' using 1:6 with points pt 5 ps 1.5 lc rgb 'red' title '{"MiB to move at t=0 (goal)" if goal else "misplaced MiB at t=0"}'
""")
            md.append(f"![{sc}: memory moved]({sc}-moved.png)")
            md.append("")
            if has_probe:
                fn = f"{sc}-probe.dat"
                with open(os.path.join(plots, fn), "w") as f:
                    f.write("# system p50_ms p99_ms max_ms\n")
                    for o in ran:
                        vals = [o.get(k) for k in ("probe_p50_us", "probe_p99_us", "probe_max_us")]
                        f.write(f"\"{SHORT[o['system']]}\" " + " ".join(
                            f"{(v or 0) / 1000:.3f}" for v in vals) + "\n")
                gnuplot(os.path.join(plots, f"{sc}-probe.gp"), f"""set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../{sc}-probe.png'
set title "{gp_escape(sc)}: latency probe in the unmanaged cgroup (medians over the runs)\\n{gp_escape(title_tail)}"
set ylabel 'ms late + chunk time (log scale)'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8
set grid ytics
set key top left
plot '{fn}' using 2:xtic(1) title 'p50' lc rgb '#9ecae1', '' using 3 title 'p99' lc rgb '#3182bd', '' using 4 title 'max' lc rgb '#08519c'
""")
                md.append(f"![{sc}: probe latency]({sc}-probe.png)")
                md.append("")
        if ran and is_perf:
            fn = f"{sc}-perf.dat"
            with open(os.path.join(plots, fn), "w") as f:
                f.write("# idx system convergence_s min max color\n")
                for i, o in enumerate(ran):
                    sp = o.get("spread", {}).get("perf_convergence_or_runtime_s", {})
                    f.write(f"{i} \"{SHORT[o['system']]}\" {o.get('perf_convergence_or_runtime_s') or 0} "
                            f"{sp.get('min') or 0} {sp.get('max') or 0} 0x{COLORS[o['system']][1:]}\n")
            gnuplot(os.path.join(plots, f"{sc}-perf.gp"), f"""set terminal pngcairo noenhanced size 800,480 font ',10'
set output '../{sc}-perf.png'
set title "perf bench numa mem: NUMA convergence latency (median, min-max; never converged = the whole run)\\n{gp_escape(title_tail)}"
set ylabel 'seconds until every process runs on one node'
set style fill solid 0.8
set boxwidth 0.6
set yrange [0:*]
set grid ytics
plot '{fn}' using 1:3:6:xtic(2) with boxes lc rgb variable notitle, '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 notitle
""")
            md.append(f"![{sc}: perf convergence]({sc}-perf.png)")
            md.append("")

    md.append("## Definitions")
    md.append("")
    md.append("- **locality**: measured by the workloads (numabwork): for each worker thread, the "
              "share of the pages it touches that are on the node it runs on (move_pages(2) and "
              "getcpu(2)), averaged over threads and weighted by pages over the managed workloads. "
              "Never numab's own estimate.")
    md.append("- **95% locality after**: seconds from t=0 (the system switched on; in `moved`, the "
              "threads moved while the system was already running) to the first poll "
              "at or above 0.95; \"not reached\" within the window counts as later than any time "
              "for the median.")
    md.append("- **moved / misplaced**: pages migrated in the whole VM (`pgmigrate_success` delta, "
              "which includes AutoNUMA's `numa_pages_migrated`) over the managed workloads' "
              "misplaced pages at t=0 (pages x (1 - locality)). Moving the unmanaged probe counts "
              "as cost here.")
    md.append("- **unmanaged pages moved**: probe pages that left their start node (ground truth, "
              "any mover); **unmanaged hint faults**: `numa_hint_faults` of the probe's cgroup.")
    md.append("- **longest stall**: the longest gap between two progress points (every 64 page "
              "visits) of any managed worker thread during the run; under TCG the vCPUs "
              "themselves stall for hundreds of ms, see `none`.")
    md.append("- **daemon CPU**: utime+stime of numad or numabd over the run; AutoNUMA's cost is "
              "charged to the workloads instead: **workload kernel CPU** is their stime delta.")
    md.append("- **threads re-pinned**: managed workloads whose threads ended on another node "
              "than where they were pinned (numad rewrites CPU affinity).")
    if any(r.get("goal") == "even" for r in runs):
        md.append("- **evenness** (interleave): from the workload's pages per node (move_pages(2)): "
                  "share_N = pages on CPU node N / all its pages; evenness = 1 - max_N |share_N - "
                  "1/n| / (1 - 1/n) over the n CPU nodes (0: all on one node, 1: exactly even); "
                  "**max deviation** = max_N |share_N - 1/n| in units of the even share 1/n; "
                  "**within 10% of even**: the first poll where the max deviation is at most 10% "
                  "(numabd's own band is 10% or 4 MiB); **to move**: the pages above the even "
                  "share on over-full nodes plus any on other nodes at t=0.")
    if any(r.get("goal") == "hot" for r in runs):
        md.append("- **hot part on fast nodes** (tier): the share of the hot part's pages (the "
                  "first third of the region, the only part touched after placement) on nodes "
                  "with CPUs; **cold part still on the slow node**: the share of the other pages "
                  "on the CPU-less node; **90% after**: the first poll with at least 90% of the "
                  "hot part on fast nodes; **to move**: the hot pages not on a fast node at t=0.")
    md.append("")
    md.append("Raw data: `runs/*.json` (one file per run, with its time series), `<scenario>.json` "
              "(per system: medians, spreads, runs), `results.json`, `plots/` (gnuplot data and "
              "scripts), `vm/` (the VM's console, results channel and summary).")
    md.append("")
    failed = [c for c in checks if ": FAIL" in c]
    if failed:
        md.append("## Failed checks")
        md.append("")
        for c in failed:
            md.append(f"- `{c}`")
        md.append("")

    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(all_results, f, indent=1)
    with open(os.path.join(outdir, "report.md"), "w") as f:
        f.write("\n".join(md))
    # A short table on stdout.
    for sc in scen_order:
        print(f"{sc}:")
        for o in all_results["scenarios"][sc]:
            if o["skipped"]:
                print(f"  {o['system']:<15} skipped: {o['skipped']}")
                continue
            if sc == "perf-numa":
                print(f"  {o['system']:<15} converged={fmt(o.get('perf_convergence_s'), 1, 's')} "
                      f"GB/s={fmt(o.get('perf_gbps_total'), 3)} pages_moved={fmt(o.get('pages_moved'), 0)} "
                      f"hint_faults={fmt(o.get('hint_faults'), 0)} daemon_cpu={fmt(o.get('daemon_cpu_s'), 2, 's')}")
                continue
            if o.get("goal") == "even":
                print(f"  {o['system']:<15} even10%={fmt(o.get('time_to_goal_s'), 1, 's')} "
                      f"({o.get('goal_runs', 0)}/{o['reps']}) evenness={fmt(o.get('final_even'))} "
                      f"max_dev={fmt(o.get('final_max_dev'))} moved_mib={fmt(mib(o.get('pages_moved')), 0)} "
                      f"to_move_mib={fmt(mib(o.get('misplaced_pages')), 0)} "
                      f"stall={fmt(o.get('max_block_ms'), 0, 'ms')} daemon_cpu={fmt(o.get('daemon_cpu_s'), 2, 's')} "
                      f"ok={o.get('runs_ok')}/{o['reps']}")
                continue
            if o.get("goal") == "hot":
                print(f"  {o['system']:<15} hot90%={fmt(o.get('time_to_goal_s'), 1, 's')} "
                      f"({o.get('goal_runs', 0)}/{o['reps']}) hot_fast={fmt(o.get('final_hot_fast'))} "
                      f"cold_slow={fmt(o.get('final_cold_slow'))} moved_mib={fmt(mib(o.get('pages_moved')), 0)} "
                      f"to_move_mib={fmt(mib(o.get('misplaced_pages')), 0)} "
                      f"stall={fmt(o.get('max_block_ms'), 0, 'ms')} daemon_cpu={fmt(o.get('daemon_cpu_s'), 2, 's')} "
                      f"ok={o.get('runs_ok')}/{o['reps']}")
                continue
            print(f"  {o['system']:<15} t95={fmt(o.get('time_to_95_s'), 1, 's')} "
                  f"({o.get('converged_runs', 0)}/{o['reps']}) final={fmt(o.get('final_locality'))} "
                  f"moved/misplaced={fmt(o.get('moved_over_misplaced'))} "
                  f"unmanaged_moved={fmt(o.get('unmanaged_pages_moved'), 0)} "
                  f"unmanaged_hf={fmt(o.get('unmanaged_hint_faults'), 0)} "
                  f"stall={fmt(o.get('max_block_ms'), 0, 'ms')} daemon_cpu={fmt(o.get('daemon_cpu_s'), 2, 's')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
