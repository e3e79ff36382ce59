/* tests/cli/cli_test.c - the command line as a user meets it: help for
 * every command, clear errors and exit 2 for unknown commands and flags. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>

static const char *bin(void)
{
	return t_env("FICUS_BIN");
}

TEST(help_lists_every_command)
{
	char *out;
	static const char *const cmds[] = { "config check", "mappings check", "sample init",
	                                    "sample load", "cdc read", "cdc stream",
	                                    "cdc replay", "cdc status", NULL };
	ASSERT_EQ(t_run(&out, "%s --help", bin()), 0);
	ASSERT_CONTAINS(out, "usage: ficus <command> [options]");
	for (int i = 0; cmds[i]; i++)
		ASSERT_CONTAINS(out, cmds[i]);
	free(out);
	for (int i = 0; cmds[i]; i++) {
		char want[64];
		snprintf(want, sizeof want, "usage: ficus %s", cmds[i]);
		ASSERT_EQ(t_run(&out, "%s %s --help", bin(), cmds[i]), 0);
		ASSERT_CONTAINS(out, want);
		free(out);
		ASSERT_EQ(t_run(&out, "%s help %s", bin(), cmds[i]), 0);
		ASSERT_CONTAINS(out, want);
		free(out);
	}
	ASSERT_EQ(t_run(&out, "%s", bin()), 2);
	ASSERT_CONTAINS(out, "usage: ficus");
	free(out);
	ASSERT_EQ(t_run(&out, "%s --version", bin()), 0);
	ASSERT_CONTAINS(out, "ficus ");
	free(out);
}

TEST(unknown_commands_and_flags_exit_2)
{
	char *out;
	ASSERT_EQ(t_run(&out, "%s frobnicate", bin()), 2);
	ASSERT_CONTAINS(out, "ficus: unknown command 'frobnicate'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s mappings frob", bin()), 2);
	ASSERT_CONTAINS(out, "ficus mappings: unknown command 'frob'");
	ASSERT_CONTAINS(out, "mappings check");
	free(out);
	ASSERT_EQ(t_run(&out, "%s mappings check --bogus", bin()), 2);
	ASSERT_CONTAINS(out, "ficus mappings check: unknown option '--bogus'");
	ASSERT_CONTAINS(out, "see 'ficus mappings check --help'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s config check --config", bin()), 2);
	ASSERT_CONTAINS(out, "option '--config' needs a value");
	free(out);
	ASSERT_EQ(t_run(&out, "%s config check extra", bin()), 2);
	ASSERT_CONTAINS(out, "unexpected argument 'extra'");
	free(out);
	ASSERT_EQ(t_run(&out, "%s --bogus", bin()), 2);
	ASSERT_CONTAINS(out, "unknown option '--bogus'");
	free(out);
}

TEST(config_check_prints_redacted)
{
	char *out, text[1024];
	const char *dir = t_tmpdir();
	snprintf(text, sizeof text,
	         "connections:\n"
	         "  legacy: { kind: mysql, dsn: \"mysql://app:${T_PW}@127.0.0.1:3306/baemin\" }\n"
	         "  newdb: { kind: postgres, dsn: \"postgresql://app:pw2@127.0.0.1/services\" }\n"
	         "mappings: %s/mappings\n"
	         "sync: { source: legacy, target: newdb }\n", t_env("FICUS_ROOT"));
	ASSERT_EQ(t_run(&out, "T_PW=hunter2 %s config check --config %s", bin(),
	                t_write(dir, "f.yaml", text)), 0);
	ASSERT_CONTAINS(out, "mysql://app:***@127.0.0.1:3306/baemin");
	ASSERT_CONTAINS(out, "postgresql://app:***@127.0.0.1/services");
	ASSERT_NOT_CONTAINS(out, "hunter2");
	ASSERT_NOT_CONTAINS(out, "pw2");
	free(out);
	ASSERT_EQ(t_run(&out, "%s config check --config %s", bin(),
	                t_write(dir, "g.yaml", "connections:\n  legacy: { knd: mysql }\n")), 2);
	ASSERT_CONTAINS(out, "g.yaml:2:13: unknown key 'knd' (did you mean 'kind'?");
	free(out);
}

/* `ficus --help` says that sample init drops what it re-creates. */
TEST(help_says_sample_init_drops)
{
	char *out;
	ASSERT_EQ(t_run(&out, "%s --help", bin()), 0);
	ASSERT_CONTAINS(out, "sample init      drop and re-create the sample legacy database and "
	                "schemas shop, ad, ordering");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sample init --help", bin()), 0);
	ASSERT_CONTAINS(out, "--force");
	ASSERT_CONTAINS(out, "refuses");
	free(out);
	ASSERT_EQ(t_run(&out, "%s sample load --help", bin()), 0);
	ASSERT_CONTAINS(out, "--force");
	free(out);
}

/* Each SANITIZE value builds in its own folder: objects of one sanitizer
 * never end up linked with another's. */
TEST(sanitizer_builds_do_not_share_objects)
{
	char *out;
	static const char *const values[] = { "", "address", "undefined", "address,undefined",
	                                      "thread", NULL };
	char seen[8][128];
	for (int i = 0; values[i]; i++) {
		char obj[128], bin_dir[128];
		/* a make of its own, not one that inherits `make test`'s variables */
		ASSERT_EQ(t_run(&out, "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE "
		                "make -s --no-print-directory -C %s SANITIZE=%s "
		                "--eval='t-show-dirs: ; @echo $(OBJ) $(OUT)' t-show-dirs",
		                t_env("FICUS_ROOT"), values[i]), 0);
		ASSERT_EQ(sscanf(out, "%127s %127s", obj, bin_dir), 2);
		free(out);
		if (!values[i][0]) {
			ASSERT_STR_EQ(obj, "build/dev");
			ASSERT_STR_EQ(bin_dir, "bin");
		} else {
			char want[160];
			snprintf(want, sizeof want, "%s/bin", obj);
			ASSERT_STR_EQ(bin_dir, want);
		}
		for (int j = 0; j < i; j++)
			if (strcmp(seen[j], obj) == 0)
				t_fail(__FILE__, __LINE__, "SANITIZE='%s' and '%s' share %s", values[j],
				       values[i], obj);
		snprintf(seen[i], sizeof seen[i], "%s", obj);
	}
	ASSERT_STR_EQ(seen[3], "build/san-address-undefined");
}
