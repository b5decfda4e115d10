/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Acting on one managed cgroup: follow and pin (see balance.c). Declared in
 * daemon/manager-state.h, which carries the state they work on.
 */

#include "daemon/manager-state.h"
