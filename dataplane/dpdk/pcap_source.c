/*
 * pcap_source.c - capture probing with libpcap (see pcap_source.h).
 */
#include "dataplane/dpdk/pcap_source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "dataplane/engine/decode/decode.h"

uint8_t pcap_source_link_type(int dlt)
{
	/* One mapping for every front end: the decoder owns it. */
	return (uint8_t)decode_link_from_pcap(dlt);
}

int pcap_source_probe(const char *path, struct pcap_source_info *info, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct stat st;
	pcap_t *pc;
	int rc;

	memset(info, 0, sizeof(*info));
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "--pcap %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "--pcap %s: %s", path, strerror(EISDIR));
		return -1;
	}
	pc = pcap_open_offline(path, pcap_err);
	if (!pc) {
		snprintf(err, errlen, "--pcap %s: %s", path, pcap_err[0] ? pcap_err : "cannot open");
		return -1;
	}
	info->dlt = pcap_datalink(pc);
	info->link = pcap_source_link_type(info->dlt);
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		info->packets++;
		info->bytes += hdr->caplen;
	}
	if (rc == PCAP_ERROR) {
		info->read_error = true;
		snprintf(info->read_error_msg, sizeof(info->read_error_msg), "%s", pcap_geterr(pc));
	}
	pcap_close(pc);
	return 0;
}
