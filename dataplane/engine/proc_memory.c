/*
 * proc_memory.c - VmRSS / VmHWM from /proc/self/status (see proc_memory.h).
 */
#include "dataplane/engine/proc_memory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int proc_memory_kb(long *rss_kb, long *hwm_kb)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	*rss_kb = *hwm_kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return *rss_kb >= 0 && *hwm_kb >= 0 ? 0 : -1;
}
