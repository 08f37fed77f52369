/* unit_parser_rulecheck: the rampart-rulecheck CLI - exit codes, errors, summary. */
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/parser/parser_test.h"

/* Run rampart-rulecheck with ARGS; return its exit status, output in *out. */
static int run_rulecheck(const char *args, char **out)
{
	const char *bin = getenv("RAMPART_RULECHECK");
	if (!bin)
		bin = "signatures/parser/rampart-rulecheck";
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t len = 0, cap = 4096;
	*out = malloc(cap);
	size_t got;
	while ((got = fread(*out + len, 1, cap - len - 1, p)) > 0) {
		len += got;
		if (cap - len < 1024)
			*out = realloc(*out, cap *= 2);
	}
	(*out)[len] = '\0';
	int status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_rulecheck(void **state)
{
	(void)state;
	char dir[] = "/tmp/rampart-rulecheck-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], args[512];
	snprintf(path, sizeof(path), "%s/t.rules", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("alert tcp $HOME_NET any -> any any (msg:\"ok\"; content:\"a\"; sid:1;)\n"
	      "alert tcp any any -> any any (msg:\"made up\"; foobar_kw:1; sid:2;)\n"
	      "alert tcp $LAB any -> any any (msg:\"var\"; sid:3;)\n", f);
	fclose(f);

	char *out;
	snprintf(args, sizeof(args), "'%s'", path);
	assert_int_equal(run_rulecheck(args, &out), 0);
	assert_non_null(strstr(out, "t.rules:2: foobar_kw: unknown keyword"));
	assert_non_null(strstr(out, "t.rules:3: header: unknown variable '$LAB'"));
	assert_non_null(strstr(out, "rules read:     3"));
	assert_non_null(strstr(out, "rejected:       2"));
	free(out);

	snprintf(args, sizeof(args), "--var LAB=[10.9.0.0/16] --quiet '%s'", path);
	assert_int_equal(run_rulecheck(args, &out), 0);
	assert_non_null(strstr(out, "loaded:         2"));
	assert_null(strstr(out, "t.rules:2:")); /* --quiet: summary only */
	free(out);

	/* nothing loaded, unreadable path, bad usage: exit 2 */
	f = fopen(path, "w");
	fputs("alert tcp any any -> any any (msg:\"made up\"; foobar_kw:1; sid:2;)\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "'%s'", path);
	assert_int_equal(run_rulecheck(args, &out), 2);
	free(out);
	assert_int_equal(run_rulecheck("/nonexistent/rules", &out), 2);
	assert_non_null(strstr(out, "/nonexistent/rules"));
	free(out);
	assert_int_equal(run_rulecheck("", &out), 2);
	assert_non_null(strstr(out, "usage"));
	free(out);
	assert_int_equal(run_rulecheck("--var NOEQUALS x.rules", &out), 2);
	free(out);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rulecheck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
