/*
 * fuzz_policy_yaml.c - libFuzzer target for the policy store's YAML reader
 * and renderer (ctrlplane/policy/policy_internal.h): policy_yaml_read turns
 * rampart.yaml's firewall / vars / geoip / reputation sections into JSON
 * trees, policy_render_* turns them back into the YAML the store writes
 * (vN.yaml) and sends to the data plane, with the blocklist injected.
 *
 * policy_store_open itself is not a target: it always validates the policy
 * with fw_policy_build, which needs DPDK's EAL (rte_acl / rte_lpm), too slow
 * and too stateful for a fuzz loop. Everything it reads goes through
 * policy_yaml_read, fuzzed here.
 *
 * Oracles beyond the sanitizers:
 *  - what the reader accepted renders, and the rendering reads back to the
 *    same trees (firewall alone, and extras + firewall + blocklist);
 *  - policy_cidr_normalize on the input's first line (a YAML comment: "# "
 *    is skipped) gives "ADDR/PREFIX" and is idempotent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlplane/policy/policy_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cidr(const uint8_t *data, size_t size)
{
	char text[128], out[128], again[128], err[256];
	while (size > 0 && (*data == '#' || *data == ' ')) {
		data++;
		size--;
	}
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	if (n >= sizeof(text))
		return;
	memcpy(text, data, n);
	text[n] = '\0';
	if (policy_cidr_normalize(text, out, sizeof(out), err, sizeof(err)) != 0)
		return;
	if (!strchr(out, '/'))
		abort();
	if (policy_cidr_normalize(out, again, sizeof(again), err, sizeof(err)) != 0 || strcmp(out, again) != 0)
		abort(); /* normal form is a fixed point */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *fw = NULL, *extras = NULL;
	char err[512];

	if (size > 1 << 16)
		return 0;
	check_cidr(data, size);
	if (policy_yaml_read((const char *)data, size, "fuzz.yaml", &fw, &extras, err, sizeof(err)) != 0) {
		if (fw || extras || strncmp(err, "fuzz.yaml", 9) != 0 || strchr(err, '\n'))
			abort();
		return 0;
	}

	/* The firewall section alone (vN.yaml) reads back unchanged. */
	if (fw) {
		size_t len = 0;
		char *yaml = policy_render_firewall(fw, &len);
		if (yaml) {
			json_t *fw2 = NULL;
			if (policy_yaml_read(yaml, len, "render", &fw2, NULL, err, sizeof(err)) != 0 ||
			    !json_equal(fw, fw2)) {
				fprintf(stderr, "fuzz_policy_yaml: vN.yaml does not read back (%s):\n%s\n", err, yaml);
				abort();
			}
			json_decref(fw2);
			free(yaml);
		}
	}

	/* The data plane's YAML, with a blocklist: extras and firewall survive. */
	json_t *blocklist = json_pack("[{s:s, s:n}]", "cidr", "192.0.2.0/24", "expires");
	json_t *empty_fw = fw ? NULL : json_object();
	size_t len = 0;
	char *yaml = policy_render_dataplane(extras, fw ? fw : empty_fw, blocklist, &len);
	if (yaml) {
		json_t *fw2 = NULL, *extras2 = NULL;
		if (policy_yaml_read(yaml, len, "render", &fw2, &extras2, err, sizeof(err)) != 0 || !fw2 ||
		    !json_equal(extras, extras2)) {
			fprintf(stderr, "fuzz_policy_yaml: dataplane YAML does not read back (%s):\n%s\n", err, yaml);
			abort();
		}
		json_decref(fw2);
		json_decref(extras2);
		free(yaml);
	}
	json_decref(empty_fw);
	json_decref(blocklist);
	json_decref(fw);
	json_decref(extras);
	return 0;
}
