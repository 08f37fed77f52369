/*
 * config_yaml.c - one YAML document in, its root to a walker (see
 * config_yaml.h).
 */
#include "dataplane/engine/config_yaml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int load_with_parser(yaml_parser_t *parser, const char *name, config_yaml_root_fn fn,
			    void *ctx, char *err, size_t errlen)
{
	yaml_document_t doc;
	int rc;

	if (!yaml_parser_load(parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s", name, (size_t)parser->problem_mark.line + 1,
			 parser->problem ? parser->problem : "YAML syntax error");
		return -1;
	}
	rc = fn(ctx, &doc, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	return rc;
}

int config_yaml_load_string(const char *yaml, size_t len, const char *name, config_yaml_root_fn fn,
			    void *ctx, char *err, size_t errlen)
{
	yaml_parser_t parser;
	int rc;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	rc = load_with_parser(&parser, name, fn, ctx, err, errlen);
	yaml_parser_delete(&parser);
	return rc;
}

int config_yaml_load_file(const char *path, config_yaml_root_fn fn, void *ctx, char *err,
			  size_t errlen)
{
	yaml_parser_t parser;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	rc = load_with_parser(&parser, path, fn, ctx, err, errlen);
	yaml_parser_delete(&parser);
	/* libyaml reports a read error as end of input: a truncated read
	 * must not pass for a shorter, valid file. */
	if (ferror(f) && rc == 0) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}
