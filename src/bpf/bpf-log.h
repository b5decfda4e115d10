/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * libbpf's messages through numab's log: every libbpf message (its warnings, the verifier logs
 * it prints on a failed load, its debug chatter) becomes a log_debug() line, so it shows only
 * at -v. Callers report failures themselves, from the negative errno libbpf returns. The hook
 * is process-wide (libbpf_set_print()); installing it twice is harmless.
 */

/* Install the hook. Not thread-safe against concurrent libbpf calls; call it from main(). */
void bpf_log_install(void);
