/*
 * test_dp_pcap.c - offline mode's capture probe: link type, the packet count
 * the poll loop waits for, and clear errors for files it cannot use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "dataplane/dpdk/pcap_source.h"
#include "dataplane/engine/packet.h"

/* Writes n packets of `len` bytes with link type dlt; returns the path. */
static void write_capture(const char *path, int dlt, int n, unsigned len)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d;
	uint8_t data[2048] = { 0x45 };

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .ts = { .tv_sec = 1700000000 + i }, .caplen = len, .len = len };

		pcap_dump((u_char *)d, &h, data);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void test_counts_packets_and_maps_link(void **state)
{
	char path[] = "/tmp/rampart-probe-XXXXXX", err[256] = "";
	struct pcap_source_info info;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_capture(path, DLT_RAW, 3, 60);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.packets, 3);
	assert_int_equal(info.bytes, 180);
	assert_int_equal(info.link, LINK_RAW);
	assert_false(info.read_error);

	write_capture(path, DLT_EN10MB, 1, 60);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.link, LINK_ETHERNET);

	write_capture(path, 113 /* LINUX_SLL */, 1, 60);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.link, LINK_SLL);

	write_capture(path, 147 /* USER0: nothing we decode */, 2, 60);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.link, LINK_UNSUPPORTED);
	assert_int_equal(info.packets, 2);
	unlink(path);
}

static void test_truncated_capture_counts_whole_packets(void **state)
{
	char path[] = "/tmp/rampart-probe-XXXXXX", err[256] = "";
	struct pcap_source_info info;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_capture(path, DLT_EN10MB, 3, 100);
	/* cut the last record in half */
	assert_int_equal(truncate(path, 24 + 2 * (16 + 100) + 16 + 50), 0);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), 0);
	assert_int_equal(info.packets, 2);
	assert_true(info.read_error);
	assert_true(info.read_error_msg[0] != '\0');
	unlink(path);
}

static void test_unusable_files_name_the_flag(void **state)
{
	char path[] = "/tmp/rampart-probe-XXXXXX", err[256] = "";
	struct pcap_source_info info;
	int fd = mkstemp(path);

	(void)state;
	assert_int_equal(pcap_source_probe("/nonexistent/a.pcap", &info, err, sizeof(err)), -1);
	assert_string_equal(err, "--pcap /nonexistent/a.pcap: No such file or directory");

	assert_int_equal(pcap_source_probe("/tmp", &info, err, sizeof(err)), -1);
	assert_string_equal(err, "--pcap /tmp: Is a directory");

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "this is not a capture at all\n", 29), 29);
	close(fd);
	assert_int_equal(pcap_source_probe(path, &info, err, sizeof(err)), -1);
	assert_memory_equal(err, "--pcap ", 7);
	assert_non_null(strstr(err, path));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_packets_and_maps_link),
		cmocka_unit_test(test_truncated_capture_counts_whole_packets),
		cmocka_unit_test(test_unusable_files_name_the_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
