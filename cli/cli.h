/* cli/cli.h - the ficus command line: subcommands, help, exit codes.
 *
 * Exit codes, for every command: 0 success (or "clean"), 1 the command ran
 * and found problems (mappings check, later verify), 2 usage errors and
 * failures (bad config, unreachable database). Only code under cli/ prints
 * to the user and decides exit codes. */
#ifndef FC_CLI_H
#define FC_CLI_H

#include "../cdc/status.h"
#include "../lib/err.h"

#include <getopt.h>
#include <stdio.h>

#define CLI_OK 0
#define CLI_PROBLEMS 1
#define CLI_ERROR 2

struct cli_cmd {
	const char *name;     /* "mappings check" */
	const char *summary;  /* one line for `ficus --help` */
	const char *help;     /* the whole text for `ficus mappings check --help` */
	int (*run)(int argc, char **argv);  /* argv[0] is the command name */
};

/* Every subcommand, in help order (cli/ficus.c). */
extern const struct cli_cmd *const cli_commands[];

/* Prints "ficus <cmd>: <message>" and a pointer to --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "ficus <cmd>: error: <err->msg>"; returns 2. */
int cli_fail(const char *cmd, const struct fc_err *err);

/* getopt_long with ficus's messages: returns the option, -1 at the end,
 * or '?' after printing "unknown option" / "option needs a value" (the
 * caller returns 2). "--help"/"-h" are handled by the dispatcher before a
 * command runs. */
int cli_getopt(int argc, char **argv, const char *cmd, const char *shortopts,
               const struct option *longopts);

/* Parses a non-negative integer option value; on failure prints and
 * returns -1. */
long long cli_uint(const char *cmd, const char *opt, const char *value,
                   long long max);

/* Commands, defined in cli/cmd_*.c. */
extern const struct cli_cmd cli_cmd_cdc_read;
extern const struct cli_cmd cli_cmd_cdc_stream;
extern const struct cli_cmd cli_cmd_cdc_replay;
extern const struct cli_cmd cli_cmd_cdc_status;
extern const struct cli_cmd cli_cmd_cdc_snapshot;
extern const struct cli_cmd cli_cmd_cdc_prune;
extern const struct cli_cmd cli_cmd_config_check;
extern const struct cli_cmd cli_cmd_mappings_check;
extern const struct cli_cmd cli_cmd_sample_init;
extern const struct cli_cmd cli_cmd_sample_load;
extern const struct cli_cmd cli_cmd_sync;
extern const struct cli_cmd cli_cmd_route_serve;
extern const struct cli_cmd cli_cmd_route_status;
extern const struct cli_cmd cli_cmd_route_shift;
extern const struct cli_cmd cli_cmd_route_mode;
extern const struct cli_cmd cli_cmd_route_reload;
extern const struct cli_cmd cli_cmd_sync_status;
extern const struct cli_cmd cli_cmd_verify;
extern const struct cli_cmd cli_cmd_status;

/* The human lines of each part's status (cli/status_print.c). */
void cli_print_cdc_status(FILE *f, const struct cdc_status *st);
void cli_print_sync_status(FILE *f, const struct sync_status *st);

#endif
