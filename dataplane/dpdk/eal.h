/*
 * eal.h - builds the DPDK EAL argument vector for rampart-dp.
 *
 * Contract: eal_args_build() decides the EAL flags a run needs so that any
 * number of runs can share a machine: no PCI probing, no shared files
 * (--in-memory with free hugepages, else --no-huge -m 512 --no-shconf), the
 * main lcore floating over the CPUs of the process's affinity mask, quiet
 * logging, and the net_pcap vdev for offline mode. A flag the user passed
 * after "--" replaces our default for the same concern.
 *
 * The capture path goes inside the vdev's devargs, where ',' '=' '[' ']'
 * are separators; such a path is reached through a symlink in a private
 * temporary directory, removed by eal_args_free().
 *
 * Thread rules: main thread, before rte_eal_init().
 */
#ifndef RAMPART_DPDK_EAL_H
#define RAMPART_DPDK_EAL_H

#include <stddef.h>

#include "dataplane/dpdk/cli.h"

#define EAL_PCAP_VDEV_NAME "net_pcap0"
#define EAL_VDEV_NAME_MAX 32

struct eal_args {
	int argc;
	char **argv;        /* NULL-terminated; each string owned */
	char *tmp_dir;      /* symlink dir for the capture, NULL if none */
	char *tmp_link;
};

/*
 * pcap_path may be NULL (no vdev). user_argv: the arguments after "--".
 * Returns 0, or -1 with a one-line message in err (e.g. the capture path
 * cannot be resolved).
 */
int eal_args_build(struct eal_args *out, const char *prog, const char *pcap_path,
		   char **user_argv, int user_argc, char *err, size_t errlen);

/*
 * Bridge mode: the vdev for kernel interface `iface` as bridge port `index`
 * (0 or 1): its ethdev name in `name` ("net_af_packet0") and its --vdev
 * argument in `devargs` ("net_af_packet0,iface=eth0,framecnt=4096,
 * qdisc_bypass=1", or "net_af_xdp0,iface=eth0"). One queue per port.
 * Returns 0, or -1 with a one-line message in err (a name the devargs
 * cannot carry).
 */
int eal_bridge_vdev(enum cli_pmd pmd, unsigned index, const char *iface, char *name,
		    size_t namelen, char *devargs, size_t devargslen, char *err, size_t errlen);

/* "0@(0-1)" style lcore map for the calling process's affinity mask. */
int eal_lcore_map(char *buf, size_t len);

/*
 * The same for n_lcores lcores, each floating over every CPU of the mask:
 * "0@(0-1),1@(0-1),2@(0-1)". Inline mode runs lcore 0 = control thread,
 * then the workers, then (software distribution) the distributor, so more
 * lcores than CPUs is normal on a small box; the polling lcores then yield
 * when idle. On a tuned host pass your own "-- --lcores 0@0,1@2,2@3".
 */
int eal_lcore_map_n(char *buf, size_t len, unsigned n_lcores);

/* CPUs in the calling process's affinity mask (at least 1). */
unsigned eal_cpu_count(void);

/* eal_args_build for a run that needs n_lcores lcores (default mapping). */
int eal_args_build_lcores(struct eal_args *out, const char *prog, const char *pcap_path,
			  char **user_argv, int user_argc, unsigned n_lcores, char *err,
			  size_t errlen);

/* Free hugepages of the default size, from /proc/meminfo (0 if unknown). */
unsigned long eal_free_hugepages(void);

void eal_args_free(struct eal_args *a);

#endif /* RAMPART_DPDK_EAL_H */
