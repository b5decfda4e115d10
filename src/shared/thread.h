/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <pthread.h>
#include <signal.h>

/*
 * Start a thread with every signal blocked in it, whatever the caller's mask is now: signals
 * stay with the thread that handles them (numabd's event loop, through a signalfd), and a
 * helper thread never takes one whose default action would end the process. Returns 0 or the
 * negative errno of pthread_create().
 */
static inline int thread_start_no_signals(pthread_t *ret, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(ret, NULL, fn, arg);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -r;
}
