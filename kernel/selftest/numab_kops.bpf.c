// SPDX-License-Identifier: GPL-2.0
/* A bpf_numab_ops with a fixed verdict, for the VM scenario (numab-kops). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

const volatile int verdict = 1;
__u64 calls;

SEC("struct_ops/numab_hook")
int BPF_PROG(kops_hook, struct task_struct *p)
{
	__sync_fetch_and_add(&calls, 1);
	return verdict;
}

SEC(".struct_ops.link")
struct bpf_numab_ops kops = {
	.numab_hook = (void *)kops_hook,
};
