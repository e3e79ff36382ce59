/* cli/ficus.c - main: finds the subcommand, handles --help and --version. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FICUS_VERSION
#define FICUS_VERSION "0.1.0-dev"
#endif

const struct cli_cmd *const cli_commands[] = {
	&cli_cmd_config_check,
	&cli_cmd_mappings_check,
	&cli_cmd_cdc_read,
	&cli_cmd_cdc_stream,
	&cli_cmd_cdc_replay,
	&cli_cmd_cdc_snapshot,
	&cli_cmd_cdc_status,
	&cli_cmd_cdc_prune,
	&cli_cmd_sync_status,   /* before "sync": two words match first */
	&cli_cmd_sync,
	&cli_cmd_verify,
	&cli_cmd_sample_init,
	&cli_cmd_sample_load,
	&cli_cmd_route_serve,
	&cli_cmd_route_status,
	&cli_cmd_route_shift,
	&cli_cmd_route_mode,
	&cli_cmd_route_reload,
	&cli_cmd_status,
	NULL,
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: ficus <command> [options]\n"
	        "\n"
	        "ficus moves a legacy MySQL/MariaDB monolith to new services by the\n"
	        "strangler-fig pattern: binlog to domain events, read models in\n"
	        "PostgreSQL, an HTTP router that shifts traffic per endpoint, and a\n"
	        "verifier for old and new stores.\n"
	        "\n"
	        "commands:\n");
	for (int i = 0; cli_commands[i]; i++)
		fprintf(out, "  %-16s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(out,
	        "\n"
	        "options for every command:\n"
	        "  --config FILE    the config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	        "  -h, --help       help for the command\n"
	        "\n"
	        "exit status: 0 ok, 1 problems found, 2 usage error or failure\n"
	        "'ficus <command> --help' describes a command; docs/ has the formats.\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ficus%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'ficus%s%s --help'\n", cmd ? " " : "", cmd ? cmd : "");
	return CLI_ERROR;
}

int cli_fail(const char *cmd, const struct fc_err *err)
{
	fprintf(stderr, "ficus %s: error: %s\n", cmd, err->msg[0] ? err->msg : "unknown error");
	return CLI_ERROR;
}

int cli_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
               const struct option *longopts)
{
	int c;
	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':') {
		const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		if (arg[0] == '-' && arg[1] == '-') {
			/* a known long option that lacks its value, or an unknown one */
			size_t len = strcspn(arg + 2, "=");
			const struct option *o;
			for (o = longopts; o && o->name; o++)
				if (strlen(o->name) == len && strncmp(arg + 2, o->name, len) == 0)
					break;
			if (o && o->name && o->has_arg == required_argument)
				cli_usage_error(cmd, "option '--%s' needs a value", o->name);
			else if (o && o->name)
				cli_usage_error(cmd, "option '--%s' takes no value", o->name);
			else
				cli_usage_error(cmd, "unknown option '%.*s'", (int)len + 2, arg);
		} else if (optopt && strchr(shortopts, optopt)) {
			cli_usage_error(cmd, "option '-%c' needs a value", optopt);
		} else if (optopt) {
			cli_usage_error(cmd, "unknown option '-%c'", optopt);
		} else {
			cli_usage_error(cmd, "unknown option '%s'", arg);
		}
		return '?';
	}
	return c;
}

long long cli_uint(const char *cmd, const char *opt, const char *value, long long max)
{
	char *end;
	long long v = strtoll(value, &end, 10);
	if (end == value || *end || v < 0 || v > max) {
		cli_usage_error(cmd, "%s wants a whole number from 0 to %lld, not '%s'", opt, max,
		                value);
		return -1;
	}
	return v;
}

/* Matches argv against the command names, which are one or two words. */
static const struct cli_cmd *find(int argc, char **argv, int *words)
{
	for (int i = 0; cli_commands[i]; i++) {
		const char *name = cli_commands[i]->name;
		const char *sp = strchr(name, ' ');
		if (!sp) {
			if (strcmp(argv[1], name) == 0) {
				*words = 1;
				return cli_commands[i];
			}
			continue;
		}
		if (strlen(argv[1]) == (size_t)(sp - name) &&
		    strncmp(argv[1], name, (size_t)(sp - name)) == 0 && argc > 2 &&
		    strcmp(argv[2], sp + 1) == 0) {
			*words = 2;
			return cli_commands[i];
		}
	}
	return NULL;
}

/* Lists the commands of a group ("ficus mappings" alone). */
static int group_help(const char *group, FILE *out)
{
	size_t n = strlen(group);
	int found = 0;
	for (int i = 0; cli_commands[i]; i++) {
		const char *name = cli_commands[i]->name;
		if (strncmp(name, group, n) == 0 && name[n] == ' ') {
			if (!found)
				fprintf(out, "usage: ficus %s <command> [options]\n\ncommands:\n", group);
			fprintf(out, "  %-16s %s\n", name, cli_commands[i]->summary);
			found = 1;
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;
	int words = 0;
	char *sub[256];
	int subc;

	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			/* "ficus help mappings check" */
			cmd = find(argc - 1, argv + 1, &words);
			if (cmd) {
				fputs(cmd->help, stdout);
				return CLI_OK;
			}
			if (group_help(argv[2], stdout))
				return CLI_OK;
			return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
		}
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("ficus %s\n", FICUS_VERSION);
		return CLI_OK;
	}
	cmd = find(argc, argv, &words);
	if (!cmd) {
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) &&
		    group_help(argv[1], stdout))
			return CLI_OK;
		if (group_help(argv[1], stderr)) {
			if (argc > 2)
				fprintf(stderr, "\nficus %s: unknown command '%s'\n", argv[1], argv[2]);
			return CLI_ERROR;
		}
		if (argv[1][0] == '-')
			return cli_usage_error(NULL, "unknown option '%s' (options follow the command)",
			                       argv[1]);
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	}
	for (int i = 1 + words; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(cmd->help, stdout);
			return CLI_OK;
		}
	}
	/* the command sees argv[0] = its name, then its own arguments */
	subc = argc - words;
	if (subc > (int)(sizeof sub / sizeof *sub) - 1)
		return cli_usage_error(cmd->name, "too many arguments");
	sub[0] = (char *)cmd->name;
	for (int i = 1; i < subc; i++)
		sub[i] = argv[i + words];
	sub[subc] = NULL;
	optind = 1;
	return cmd->run(subc, sub);
}
