#!/usr/bin/env python3
"""Generate a fixture root (sys/, proc/, cgroup/) of a simulated large machine for benchmarks.

    bench/gen-fixture.py OUT_DIR --cgroups N [--procs-per-cgroup P] [--threads-per-proc T]
                         [--nodes K] [--cpus-per-node C] [--seed S]

Cgroups form a two-level tree (/pod-i/ctr-j, about sqrt(N) pods) as on a Kubernetes node; every
leaf holds P processes of T threads with per-node memory in memory.numa_stat. The files have the
kernel's formats, so numab's readers cannot tell them from the real thing.
"""
import argparse
import math
import os
import random


def write(path, content):
    with open(path, "w") as f:
        f.write(content)


def stat_line(pid, comm, cpu, start):
    f = [str(pid), "(%s)" % comm, "S"] + ["0"] * 49
    f[13], f[14], f[21], f[38] = "10", "5", str(start), str(cpu)
    return " ".join(f) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--cgroups", type=int, required=True)
    ap.add_argument("--procs-per-cgroup", type=int, default=2)
    ap.add_argument("--threads-per-proc", type=int, default=5)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--cpus-per-node", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    K, C = a.nodes, a.cpus_per_node

    sysn = os.path.join(a.out, "sys/devices/system/node")
    os.makedirs(sysn, exist_ok=True)
    write(os.path.join(sysn, "online"), "0-%d\n" % (K - 1) if K > 1 else "0\n")
    for n in range(K):
        d = os.path.join(sysn, "node%d" % n)
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "cpulist"), "%d-%d\n" % (n * C, n * C + C - 1))
        write(os.path.join(d, "distance"), " ".join("10" if m == n else "20" for m in range(K)) + "\n")
        write(os.path.join(d, "meminfo"),
              "Node %d MemTotal: 268435456 kB\nNode %d MemFree: 134217728 kB\n" % (n, n))

    proc = os.path.join(a.out, "proc")
    cg = os.path.join(a.out, "cgroup")
    os.makedirs(proc, exist_ok=True)
    os.makedirs(os.path.join(proc, "self"), exist_ok=True)
    write(os.path.join(proc, "self/mountinfo"), "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")

    def cgroup_files(d, procs, anon):
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "cgroup.controllers"), "cpuset cpu io memory pids\n")
        write(os.path.join(d, "cgroup.procs"), "".join("%d\n" % p for p in procs))
        write(os.path.join(d, "memory.numa_stat"),
              "".join("%s %s\n" % (k, " ".join("N%d=%d" % (n, anon[n] if k == "anon" else 4096)
                                               for n in range(K)))
                      for k in ("anon", "file", "kernel_stack", "pagetables", "sec_pagetables",
                                "shmem", "file_mapped", "file_dirty", "file_writeback",
                                "swapcached", "anon_thp", "file_thp", "shmem_thp",
                                "inactive_anon", "active_anon", "inactive_file", "active_file",
                                "unevictable", "slab_reclaimable", "slab_unreclaimable")))
        write(os.path.join(d, "memory.stat"),
              "anon 1\nfile 1\nnuma_pages_migrated 0\nnuma_pte_updates 0\nnuma_hint_faults 0\n")
        write(os.path.join(d, "cpuset.mems.effective"), "0-%d\n" % (K - 1) if K > 1 else "0\n")
        write(os.path.join(d, "cpuset.cpus.effective"), "0-%d\n" % (K * C - 1))
        write(os.path.join(d, "cpu.stat"), "usage_usec 1000\nuser_usec 500\nsystem_usec 500\n")

    cgroup_files(cg, [], [0] * K)
    pods = max(1, int(math.sqrt(a.cgroups)))
    pid = 1000
    made = 0
    for p in range(pods):
        pod = os.path.join(cg, "pod-%d" % p)
        cgroup_files(pod, [], [0] * K)
        per_pod = a.cgroups // pods + (1 if p < a.cgroups % pods else 0)
        for c in range(per_pod):
            pids = []
            for _ in range(a.procs_per_cgroup):
                pid += a.threads_per_proc + 1
                pids.append(pid)
                pd = os.path.join(proc, str(pid))
                os.makedirs(os.path.join(pd, "task"), exist_ok=True)
                write(os.path.join(pd, "stat"), stat_line(pid, "w%d" % pid, 0, 1000))
                for t in range(a.threads_per_proc):
                    tid = pid + t
                    td = os.path.join(pd, "task", str(tid))
                    os.makedirs(td, exist_ok=True)
                    cpu = rnd.randrange(K * C)
                    write(os.path.join(td, "stat"), stat_line(tid, "w%d" % pid, cpu, 1000))
                    write(os.path.join(td, "schedstat"), "%d 0 0\n" % rnd.randrange(10**12))
            anon = [rnd.randrange(1 << 30) for _ in range(K)]
            cgroup_files(os.path.join(pod, "ctr-%d" % c), pids, anon)
            made += 1
    print("%s: %d cgroups, %d processes, %d threads" %
          (a.out, made + pods + 1, made * a.procs_per_cgroup,
           made * a.procs_per_cgroup * a.threads_per_proc))


if __name__ == "__main__":
    main()
