/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket's verbs and the metrics text of numabd; declared in
 * daemon/manager-state.h (verbs_handle, verbs_metrics).
 */

#include "daemon/manager-state.h"
