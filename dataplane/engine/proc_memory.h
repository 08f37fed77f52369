/*
 * proc_memory.h - this process's resident memory, from /proc/self/status.
 *
 * Why here: both rampart-dp's rule loader (dataplane/dpdk) and rampartd's
 * rule validation (ctrlplane/rules) report memory after building a rule
 * set. The engine library is the lowest layer both already link, and the
 * data plane must not depend on anything in ctrlplane/, so the one copy
 * lives in the engine library.
 *
 * Callers: control threads (loader, validation), never a worker: it opens
 * and reads a file. Thread-safe (no shared state).
 */
#ifndef RAMPART_ENGINE_PROC_MEMORY_H
#define RAMPART_ENGINE_PROC_MEMORY_H

/*
 * VmRSS (resident now) and VmHWM (peak resident) of this process, in kB.
 * 0 when both were read; -1 when /proc/self/status is unreadable or lacks
 * a field, and each field not read is set to -1.
 */
int proc_memory_kb(long *rss_kb, long *hwm_kb);

#endif
