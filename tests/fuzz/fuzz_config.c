/*
 * fuzz_config.c - libFuzzer target for the YAML configuration loader
 * (engine_config_load_string): vars, flow, detect, dataplane and the
 * firewall section. Every input must end in success or a one-line error
 * naming the file; the config must free cleanly either way.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/engine/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_config cfg;
	char err[512] = "";
	int rc;

	if (size > 1 << 16)
		return 0;
	engine_config_init(&cfg);
	rc = engine_config_load_string(&cfg, (const char *)data, size, "fuzz.yaml", err, sizeof(err));
	if (rc != 0 && (err[0] == '\0' || strncmp(err, "fuzz.yaml", 9) != 0 || strchr(err, '\n')))
		abort(); /* an error must name the file, on one line */
	engine_config_free(&cfg);
	return 0;
}
