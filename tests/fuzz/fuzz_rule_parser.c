/*
 * fuzz_rule_parser - libFuzzer target for the rule parser.
 *
 * The input is split at its first newline: the first part becomes the value
 * of $HOME_NET and of $HTTP_PORTS (address and port expression parsers),
 * the whole input is parsed as one rule, with a small reputation set (so
 * the iprep keyword compiles) and, when ../shared is there, the shared
 * country database (so geoip expands). Any crash, leak, or sanitizer
 * report is a bug: malformed text must only ever produce a sig_load_error.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *     tests/fuzz/fuzz_rule_parser.c signatures/parser/sig_*.c -lpcre2-8
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "signatures/geoip/geoip_db.h"
#include "signatures/iprep/iprep.h"
#include "signatures/parser/sig_parser.h"

static struct sig_ruleset *rs;
static unsigned runs;
static struct sig_load_options rep_opt;

/* Reputation data for the iprep keyword: categories 1..3, a few blocks. */
static struct iprep_data *load_iprep(void)
{
	static const char cats[] = "1,BadHosts,Known bad hosts\n2,Spam,Spammers\n3,CnC,Command and control\n";
	static const char rep[] = "1.2.3.4,1,101\n10.0.0.0/8,1,50\n10.1.0.0/16,2,120\n2001:db8::/32,3,127\n";
	struct iprep_data *d = iprep_new();
	char tmpl[] = "/tmp/fuzz-rule-parser-XXXXXX", path[64], err[256];
	if (!d || !mkdtemp(tmpl))
		return d;
	snprintf(path, sizeof(path), "%s/categories.txt", tmpl);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(cats, f);
		fclose(f);
		iprep_load_categories(d, path, err, sizeof(err));
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/rep.list", tmpl);
	f = fopen(path, "w");
	if (f) {
		fputs(rep, f);
		fclose(f);
		iprep_load_file(d, path, err, sizeof(err));
		unlink(path);
	}
	rmdir(tmpl);
	return d;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	rep_opt.iprep = load_iprep();
#ifdef FUZZ_GEOIP_DB
	/* Optional: without ../shared the geoip keyword loads inactive. */
	rep_opt.geoip = geoip_db_open(FUZZ_GEOIP_DB, err, sizeof(err));
#endif
	(void)err;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* Interned flowbit names accumulate; start over now and then. */
	if (!rs || ++runs % 4096 == 0) {
		sig_ruleset_free(rs);
		rs = sig_ruleset_new();
	}

	struct sig_rule r;
	struct sig_load_error e;
	if (sig_parse_rule(text, &rep_opt, rs, &r, &e) == 0)
		sig_rule_free(&r);
	else
		sig_load_error_free(&e);

	char *nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		struct sig_vars *v = sig_vars_new_defaults();
		char err[128];
		if (v && sig_vars_set(v, "HOME_NET", text, err, sizeof(err)) == 0 &&
		    sig_vars_set(v, "HTTP_PORTS", text, err, sizeof(err)) == 0) {
			struct sig_load_options opt = { .vars = v };
			if (sig_parse_rule("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (sid:1;)", &opt, rs,
					   &r, &e) == 0)
				sig_rule_free(&r);
			else
				sig_load_error_free(&e);
		}
		sig_vars_free(v);
	}
	free(text);
	return 0;
}
