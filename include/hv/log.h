/* SPDX-License-Identifier: MIT */
/*
 * Log levels. Every line goes to the console with a level tag; the QEMU test runner matches on
 * these lines, so keep their format stable: "[LVL] subsystem: message".
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <hv/compiler.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern enum log_level hv_log_level;

void hv_log(enum log_level lvl, const char *fmt, ...) __printf(2, 3);

#define pr_err(...) hv_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) hv_log(LOG_WARN, __VA_ARGS__)
#define pr_info(...) hv_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) hv_log(LOG_DEBUG, __VA_ARGS__)

#endif /* HV_LOG_H */
