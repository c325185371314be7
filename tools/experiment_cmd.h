/* `llmobs-eval experiment`: runs a command on every item of a golden dataset as a Langfuse
 * experiment and gates on regressions against an earlier run (tools/experiment_cmd.c). */
#ifndef LLMOBS_TOOLS_EXPERIMENT_CMD_H
#define LLMOBS_TOOLS_EXPERIMENT_CMD_H

/* argv[0] is "experiment". Returns the process exit code. */
int llmobs_eval_experiment(int argc, char **argv);
/* The usage text of the subcommand (part of `llmobs-eval --help`). */
extern const char LLMOBS_EXPERIMENT_USAGE[];

#endif
