/*
 * fuzz_daemon_config.c - libFuzzer target for rampartd's configuration:
 * rampartd_config_load (ctrlplane/daemon/daemon_config.h: rampartd:, rule
 * keys, and through it the engine's loader on the same file), the export
 * sinks' `outputs:` parser (export_config_parse, and export_config_load_file)
 * and the endpoint's `metrics:` parser (metrics_config_parse).
 *
 * The daemon's loaders take a path: the input is written to a memfd and read
 * as /proc/self/fd/N. The section parsers are also called directly on the
 * input's own YAML document, on top of defaults, as rampartd does.
 *
 * Oracle beyond the sanitizers: every refusal is one line naming the file
 * ("FILE:LINE: key: message" or "FILE: reason"); a config always frees.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <yaml.h>

#include "ctrlplane/daemon/daemon_config.h"
#include "ctrlplane/export/export.h"
#include "ctrlplane/metrics/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err, const char *name)
{
	if (rc == 0)
		return;
	if (err[0] == '\0' || strncmp(err, name, strlen(name)) != 0 || strchr(err, '\n'))
		abort();
}

/* The value node of top-level `key`, NULL when absent or not a mapping root. */
static yaml_node_t *top_value(yaml_document_t *doc, const char *key)
{
	yaml_node_t *root = yaml_document_get_root_node(doc);
	if (!root || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static void parse_sections(const uint8_t *data, size_t size)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	char err[512];

	if (!yaml_parser_initialize(&parser))
		return;
	yaml_parser_set_input_string(&parser, data, size);
	if (yaml_parser_load(&parser, &doc)) {
		yaml_node_t *outputs = top_value(&doc, "outputs");
		if (outputs) {
			struct export_config ec;
			export_config_defaults(&ec);
			err[0] = '\0';
			check_err(export_config_parse(&doc, outputs, "fuzz.yaml", &ec, err, sizeof(err)), err,
				  "fuzz.yaml");
		}
		yaml_node_t *metrics = top_value(&doc, "metrics");
		if (metrics) {
			struct metrics_config mc;
			metrics_config_defaults(&mc);
			err[0] = '\0';
			int rc = metrics_config_parse(&doc, metrics, "fuzz.yaml", &mc, err, sizeof(err));
			check_err(rc, err, "fuzz.yaml");
			if (rc == 0 && memchr(mc.listen, '\0', sizeof(mc.listen)) == NULL)
				abort(); /* listen must stay a C string */
		}
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	int fd = memfd_create("fuzz-rampart.yaml", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64], err[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct rampartd_config cfg;
	err[0] = '\0';
	check_err(rampartd_config_load(&cfg, path, err, sizeof(err)), err, path);
	rampartd_config_free(&cfg);

	struct export_config ec;
	export_config_defaults(&ec);
	err[0] = '\0';
	check_err(export_config_load_file(path, &ec, err, sizeof(err)), err, path);

	close(fd);
	parse_sections(data, size);
	return 0;
}
