/*
 * fuzz_rule_parser - libFuzzer target for the rule parser.
 *
 * The input is split at its first newline: the first part becomes the value
 * of $HOME_NET and of $HTTP_PORTS (address and port expression parsers),
 * the whole input is parsed as one rule. Any crash, leak, or sanitizer
 * report is a bug: malformed text must only ever produce a sig_load_error.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *     tests/fuzz/fuzz_rule_parser.c signatures/parser/sig_*.c -lpcre2-8
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser.h"

static struct sig_ruleset *rs;
static unsigned runs;

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
	if (sig_parse_rule(text, NULL, rs, &r, &e) == 0)
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
