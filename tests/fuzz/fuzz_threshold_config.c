/*
 * fuzz_threshold_config.c - libFuzzer target for Suricata's threshold.config
 * language (sig_threshold_config_apply*, signatures/parser).
 *
 * apply mutates the rule set it is given (thresholds replaced, suppressions
 * added), so every input gets a fresh set of five rules (sids 1..5, one with
 * its own threshold keyword, one flowbits rule): parsing five rules is cheap
 * next to the libFuzzer loop. The first input byte picks the entry point:
 *   0: sig_threshold_config_apply (Suricata's default $VARs)
 *   1: sig_threshold_config_apply_vars with a set where HOME_NET is a list
 *   2: the embedded form: rules + "# rampart: threshold.config" + the input,
 *      through sig_ruleset_load_buffer (line numbers of the whole text)
 * Every outcome must be a count or refused lines in rs->threshold_errors;
 * a crash, leak or sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signatures/parser/sig_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
	"alert tcp any any -> any 80 (msg:\"one\"; content:\"GET\"; sid:1; rev:1;)\n"
	"alert udp any any -> any 53 (msg:\"two\"; sid:2; rev:1;)\n"
	"alert ip $HOME_NET any -> $EXTERNAL_NET any (msg:\"three\"; threshold: type limit, track by_src, "
	"count 1, seconds 60; sid:3; rev:2;)\n"
	"drop tcp any any -> any any (msg:\"four\"; flow:established; flowbits:set,x; sid:4; gid:1;)\n"
	"alert icmp any any -> any any (msg:\"five\"; detection_filter: track by_dst, count 5, seconds 10; "
	"sid:5;)\n";

static struct sig_ruleset *fresh_rules(const char *extra, size_t extra_len, const struct sig_load_options *opt)
{
	struct sig_ruleset *rs = sig_ruleset_new();
	char err[256];
	if (!rs)
		return NULL;
	size_t base = sizeof(rules_text) - 1;
	char *text = malloc(base + extra_len + 1);
	if (!text) {
		sig_ruleset_free(rs);
		return NULL;
	}
	memcpy(text, rules_text, base);
	if (extra_len)
		memcpy(text + base, extra, extra_len);
	text[base + extra_len] = '\0';
	sig_ruleset_load_buffer(rs, text, base + extra_len, "fuzz.rules", opt, err, sizeof(err));
	free(text);
	return rs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (size < 1 || size > 1 << 16)
		return 0;
	unsigned mode = data[0] % 3;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;

	if (mode == 0) {
		struct sig_ruleset *rs = fresh_rules(NULL, 0, NULL);
		if (rs)
			sig_threshold_config_apply(rs, text, len, "fuzz.threshold", err, sizeof(err));
		sig_ruleset_free(rs);
	} else if (mode == 1) {
		struct sig_vars *v = sig_vars_new_defaults();
		if (v && sig_vars_set(v, "HOME_NET", "[10.0.0.0/8,!10.1.0.0/16,2001:db8::/32]", err,
				      sizeof(err)) == 0) {
			struct sig_load_options opt = { .vars = v };
			struct sig_ruleset *rs = fresh_rules(NULL, 0, &opt);
			if (rs)
				sig_threshold_config_apply_vars(rs, text, len, "fuzz.threshold", v, err,
								sizeof(err));
			sig_ruleset_free(rs);
		}
		sig_vars_free(v);
	} else {
		static const char marker[] = "# rampart: threshold.config\n";
		size_t mlen = sizeof(marker) - 1;
		char *extra = malloc(mlen + len);
		if (!extra)
			return 0;
		memcpy(extra, marker, mlen);
		memcpy(extra + mlen, text, len);
		struct sig_ruleset *rs = fresh_rules(extra, mlen + len, NULL);
		sig_ruleset_free(rs);
		free(extra);
	}
	return 0;
}
