// SPDX-License-Identifier: GPL-2.0
/*
 * numab-kops: attach a bpf_numab_ops with a fixed verdict to a cgroup and pin
 * its link, so the attachment outlives this program (rm the pin to detach).
 *
 *   numab-kops attach CGROUP_DIR PIN [--disable] [--override] [--mode N]
 *              [--hot-thresh MS] [--scan-min MS] [--scan-max MS] [--scan-size MB]
 *   numab-kops calls PIN      how often the hook ran
 *   numab-kops probe          exit 0 when the kernel has bpf_numab_ops
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "numab_kops.skel.h"

static int usage(void)
{
	fprintf(stderr, "usage: numab-kops attach CGROUP_DIR PIN [--disable] [--override] [--mode N]\n"
			"         [--hot-thresh MS] [--scan-min MS] [--scan-max MS] [--scan-size MB]\n"
			"       numab-kops probe\n");
	return 2;
}

static int probe(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int ok;

	if (!btf)
		return 1;
	ok = btf__find_by_name_kind(btf, "bpf_numab_ops", BTF_KIND_STRUCT) > 0;
	btf__free(btf);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct numab_kops *skel;
	struct bpf_link *link;
	struct stat st;
	int i, err;

	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return probe();
	if (argc < 4 || strcmp(argv[1], "attach"))
		return usage();
	if (stat(argv[2], &st)) {
		fprintf(stderr, "numab-kops: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	skel = numab_kops__open();
	if (!skel) {
		fprintf(stderr, "numab-kops: open: %s\n", strerror(errno));
		return 1;
	}
	/* On cgroup v2 the directory's inode number is the cgroup id. */
	skel->struct_ops.kops->cgroup_id = st.st_ino;
	for (i = 4; i < argc; i++) {
		const char *a = argv[i];
		unsigned int v = i + 1 < argc ? strtoul(argv[i + 1], NULL, 0) : 0;

		if (!strcmp(a, "--disable")) {
			skel->rodata->verdict = 0;
			continue;
		}
		if (!strcmp(a, "--override")) {
			skel->struct_ops.kops->flags |= 1;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(a, "--mode"))
			skel->struct_ops.kops->mode = v;
		else if (!strcmp(a, "--hot-thresh"))
			skel->struct_ops.kops->hot_thresh = v;
		else if (!strcmp(a, "--scan-min"))
			skel->struct_ops.kops->scan_period_min = v;
		else if (!strcmp(a, "--scan-max"))
			skel->struct_ops.kops->scan_period_max = v;
		else if (!strcmp(a, "--scan-size"))
			skel->struct_ops.kops->scan_size = v;
		else
			return usage();
		i++;
	}
	err = numab_kops__load(skel);
	if (err) {
		fprintf(stderr, "numab-kops: load: %s\n", strerror(-err));
		return 1;
	}
	link = bpf_map__attach_struct_ops(skel->maps.kops);
	if (!link) {
		fprintf(stderr, "numab-kops: attach to %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	err = bpf_link__pin(link, argv[3]);
	if (err) {
		fprintf(stderr, "numab-kops: pin %s: %s\n", argv[3], strerror(-err));
		return 1;
	}
	printf("attached to %s (cgroup id %llu), pinned at %s\n", argv[2],
	       (unsigned long long)st.st_ino, argv[3]);
	return 0;
}
