/*
 * eal.c - EAL argument construction (see eal.h for the why of each flag).
 */
#include "dataplane/dpdk/eal.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Below this many free hugepages we run on plain memory instead. */
#define EAL_MIN_FREE_HUGEPAGES 256ul

unsigned long eal_free_hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long free_pages = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %lu", &free_pages) == 1)
			break;
	}
	fclose(f);
	return free_pages;
}

int eal_lcore_map(char *buf, size_t len)
{
	return eal_lcore_map_n(buf, len, 1);
}

unsigned eal_cpu_count(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) == 0)
		return 1;
	return (unsigned)CPU_COUNT(&set);
}

int eal_lcore_map_n(char *buf, size_t len, unsigned n_lcores)
{
	char cpus[512];
	cpu_set_t set;
	size_t used;
	int first = -1, prev = -1, n = 0;

	if (n_lcores == 0)
		n_lcores = 1;
	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) == 0) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
	}
	used = (size_t)snprintf(cpus, sizeof(cpus), "(");
	/* emit runs "a-b" or "a", comma separated */
	for (int cpu = 0; cpu <= CPU_SETSIZE; cpu++) {
		bool in = cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);

		if (in && first < 0)
			first = cpu;
		if (in) {
			prev = cpu;
			continue;
		}
		if (first >= 0) {
			if (used >= sizeof(cpus))
				return -1;
			if (first == prev)
				used += (size_t)snprintf(cpus + used, sizeof(cpus) - used, "%s%d",
							 n ? "," : "", first);
			else
				used += (size_t)snprintf(cpus + used, sizeof(cpus) - used, "%s%d-%d",
							 n ? "," : "", first, prev);
			n++;
			first = -1;
		}
	}
	if (used >= sizeof(cpus))
		return -1;
	used += (size_t)snprintf(cpus + used, sizeof(cpus) - used, ")");
	if (used >= sizeof(cpus))
		return -1;
	/* Every lcore floats over the same CPUs: "0@(0-1),1@(0-1),..." */
	used = 0;
	for (unsigned l = 0; l < n_lcores; l++) {
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%u@%s",
					 l ? "," : "", l, cpus);
		if (used >= len)
			return -1;
	}
	return 0;
}

static bool user_has(char **user_argv, int user_argc, const char *const *flags)
{
	for (int i = 0; i < user_argc; i++) {
		for (const char *const *f = flags; *f; f++) {
			size_t n = strlen(*f);

			if (strncmp(user_argv[i], *f, n) == 0 &&
			    (user_argv[i][n] == '\0' || user_argv[i][n] == '='))
				return true;
		}
	}
	return false;
}

static int push(struct eal_args *a, size_t *cap, const char *s)
{
	if ((size_t)a->argc + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		char **grown = realloc(a->argv, ncap * sizeof(*grown));

		if (!grown)
			return -1;
		a->argv = grown;
		*cap = ncap;
	}
	a->argv[a->argc] = strdup(s);
	if (!a->argv[a->argc])
		return -1;
	a->argc++;
	a->argv[a->argc] = NULL;
	return 0;
}

/* The capture path as the devargs can carry it: absolute, no separators. */
static int devargs_safe_path(struct eal_args *a, const char *pcap_path, char *out, size_t outlen,
			     char *err, size_t errlen)
{
	char resolved[PATH_MAX];
	char tmpl[] = "/tmp/rampart-dp.XXXXXX";

	if (!realpath(pcap_path, resolved)) {
		snprintf(err, errlen, "--pcap %s: %s", pcap_path, strerror(errno));
		return -1;
	}
	if (strpbrk(resolved, ",=[]") == NULL) {
		if (snprintf(out, outlen, "%s", resolved) >= (int)outlen)
			goto too_long;
		return 0;
	}
	if (!mkdtemp(tmpl)) {
		snprintf(err, errlen, "--pcap %s: cannot create a temporary directory: %s",
			 pcap_path, strerror(errno));
		return -1;
	}
	a->tmp_dir = strdup(tmpl);
	if (!a->tmp_dir || asprintf(&a->tmp_link, "%s/capture", tmpl) < 0) {
		a->tmp_link = NULL;
		rmdir(tmpl);
		snprintf(err, errlen, "--pcap: out of memory");
		return -1;
	}
	if (symlink(resolved, a->tmp_link) != 0) {
		snprintf(err, errlen, "--pcap %s: cannot link into %s: %s", pcap_path, tmpl,
			 strerror(errno));
		return -1;
	}
	if (snprintf(out, outlen, "%s", a->tmp_link) >= (int)outlen)
		goto too_long;
	return 0;
too_long:
	snprintf(err, errlen, "--pcap %s: path too long", pcap_path);
	return -1;
}

int eal_args_build(struct eal_args *a, const char *prog, const char *pcap_path,
		   char **user_argv, int user_argc, char *err, size_t errlen)
{
	return eal_args_build_lcores(a, prog, pcap_path, user_argv, user_argc, 1, err, errlen);
}

int eal_args_build_lcores(struct eal_args *a, const char *prog, const char *pcap_path,
			  char **user_argv, int user_argc, unsigned n_lcores, char *err,
			  size_t errlen)
{
	static const char *const lcore_flags[] = { "-l", "-c", "--lcores", NULL };
	static const char *const mem_flags[] = { "--no-huge", "--in-memory", "-m", "--socket-mem",
						 "--file-prefix", "--no-shconf", NULL };
	static const char *const log_flags[] = { "--log-level", NULL };
	static const char *const pci_flags[] = { "--no-pci", "-a", "--allow", "-b", "--block", NULL };
	size_t cap = 0;
	char buf[PATH_MAX + 2048];
	char path[PATH_MAX];

	memset(a, 0, sizeof(*a));
	if (push(a, &cap, prog) != 0)
		goto oom;
	if (!user_has(user_argv, user_argc, pci_flags) && push(a, &cap, "--no-pci") != 0)
		goto oom;
	if (!user_has(user_argv, user_argc, mem_flags)) {
		if (eal_free_hugepages() >= EAL_MIN_FREE_HUGEPAGES) {
			if (push(a, &cap, "--in-memory") != 0)
				goto oom;
		} else {
			/* --in-memory implies hugepages; without them the
			 * private, file-less equivalent is --no-shconf. */
			if (push(a, &cap, "--no-huge") != 0 || push(a, &cap, "-m") != 0 ||
			    push(a, &cap, "512") != 0 || push(a, &cap, "--no-shconf") != 0)
				goto oom;
		}
	}
	if (!user_has(user_argv, user_argc, lcore_flags)) {
		if (eal_lcore_map_n(buf, sizeof(buf), n_lcores) != 0)
			snprintf(buf, sizeof(buf), "0@0");
		if (push(a, &cap, "--lcores") != 0 || push(a, &cap, buf) != 0)
			goto oom;
	}
	if (!user_has(user_argv, user_argc, log_flags) && push(a, &cap, "--log-level=*:error") != 0)
		goto oom;
	if (pcap_path) {
		if (devargs_safe_path(a, pcap_path, path, sizeof(path), err, errlen) != 0) {
			eal_args_free(a);
			return -1;
		}
		snprintf(buf, sizeof(buf), "%s,rx_pcap=%s", EAL_PCAP_VDEV_NAME, path);
		if (push(a, &cap, "--vdev") != 0 || push(a, &cap, buf) != 0)
			goto oom;
	}
	for (int i = 0; i < user_argc; i++)
		if (push(a, &cap, user_argv[i]) != 0)
			goto oom;
	return 0;
oom:
	eal_args_free(a);
	snprintf(err, errlen, "EAL arguments: out of memory");
	return -1;
}

int eal_bridge_vdev(enum cli_pmd pmd, unsigned index, const char *iface, char *name,
		    size_t namelen, char *devargs, size_t devargslen, char *err, size_t errlen)
{
	const char *driver = pmd == CLI_PMD_AF_XDP ? "net_af_xdp" : "net_af_packet";

	if (pmd == CLI_PMD_AUTO) {
		snprintf(err, errlen, "--pmd auto: pick af_xdp or af_packet first");
		return -1;
	}
	int n;

	/* ',' and '=' separate devargs; Linux interface names may hold them. */
	if (iface[0] == '\0' || strpbrk(iface, ",=[] ")) {
		snprintf(err, errlen, "--bridge: %s: interface name not usable in DPDK devargs", iface);
		return -1;
	}
	n = snprintf(name, namelen, "%s%u", driver, index);
	if (n < 0 || (size_t)n >= namelen)
		goto too_long;
	if (pmd == CLI_PMD_AF_XDP)
		n = snprintf(devargs, devargslen, "%s,iface=%s,start_queue=0,queue_count=1", name, iface);
	else
		n = snprintf(devargs, devargslen, "%s,iface=%s,qpairs=1,framecnt=4096,qdisc_bypass=1",
			     name, iface);
	if (n < 0 || (size_t)n >= devargslen)
		goto too_long;
	return 0;
too_long:
	snprintf(err, errlen, "--bridge: %s: interface name too long", iface);
	return -1;
}

void eal_args_free(struct eal_args *a)
{
	if (a->argv) {
		for (int i = 0; i < a->argc; i++)
			free(a->argv[i]);
		free(a->argv);
	}
	if (a->tmp_link) {
		unlink(a->tmp_link);
		free(a->tmp_link);
	}
	if (a->tmp_dir) {
		rmdir(a->tmp_dir);
		free(a->tmp_dir);
	}
	memset(a, 0, sizeof(*a));
}
