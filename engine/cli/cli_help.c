/* The one table of command words: each command's usage, options and examples, and "did you mean". */
#include "cli.h"
#include "suggest.h"

#include <stdlib.h>
#include <string.h>

static const mend_cli_command_info commands[] = {
    {"fix", MEND_CMD_FIX, "mend fix [POLICY...] [OPTIONS]",
     "run the fix ladder on the named policies (or every stuck one)",
     "  --all-pending        fix every policy that is pending deletion\n"
     "  --allow LIST         allow gated actions: kill,registry,reboot,nic,service or all\n"
     "  --dry-run            say what would be done; change nothing\n"
     "  --plan FILE          a dry-run that writes the plan to FILE (carry it out with mend apply)\n"
     "  --resume             continue a fix that a reboot interrupted\n"
     "  --stop-holder NAME   also stop NAME when it holds a policy open (needs --allow kill)\n"
     "  --yes                answer yes to prompts (opens kill, nic, service; never registry or reboot)\n",
     "  mend fix --dry-run \"Branch Office QM\"\n"
     "  mend fix --all-pending --allow kill,nic\n"
     "  mend fix --plan plan.json \"Branch Office QM\"\n"},
    {"check", MEND_CMD_CHECK, "mend check [POLICY...] [OPTIONS]",
     "read-only diagnosis; exit 0 healthy, 1 a problem found",
     "  --json               print the JSON report on standard output\n"
     "  --summary            end with a one-line summary (Intune detection scripts)\n",
     "  mend check\n"
     "  mend check \"Branch Office QM\" --json\n"},
    {"batch", MEND_CMD_BATCH, "mend batch FILE|- [OPTIONS]",
     "the fix ladder on every policy named in FILE (one per line, # comments)",
     "  --allow LIST         allow gated actions: kill,registry,reboot,nic,service or all\n"
     "  --dry-run            say what would be done; change nothing\n"
     "  --plan FILE          a dry-run that writes the plan to FILE\n"
     "  --resume             continue a batch that a reboot interrupted\n"
     "  --stop-holder NAME   also stop NAME when it holds a policy open (needs --allow kill)\n"
     "  -v                   the full table of policies even for a long list\n",
     "  mend batch stuck.txt --dry-run\n"
     "  mend batch - --allow kill < stuck.txt\n"},
    {"run", MEND_CMD_RUN, "mend [OPTIONS] run SCRIPT.lua [ARGS...]",
     "run your own script with the same API (ARGS go to mend.args)",
     "  --dry-run            the script's actions are only reported\n"
     "  --timeout SECONDS    stop the script after this long (default 1800)\n"
     "  --max-memory SIZE    memory limit: 64M, 1G, 512k or bytes (default 1G)\n"
     "  --unsafe             give the script the full Lua standard library\n"
     "  --plan FILE          a dry-run that writes the plan to FILE\n",
     "  mend --dry-run run audit.lua\n"
     "  mend run recreate.lua \"Branch Office QM\" -- --their-flag\n"},
    {"sim", MEND_CMD_SIM, "mend sim init [SCENARIO] | show | reset [--host sim:FILE] [--force]",
     "the simulated host's state: seed it from a scenario, show it, or go back to the demo",
     "  --host sim:FILE      the state file to manage (default: the state folder's)\n"
     "  --force              reset/init over a file that is not a mend simulator state\n",
     "  mend sim init scenarios/tests/holder.lua\n"
     "  mend sim show\n"
     "  mend sim reset --host sim:lab.lua\n"},
    {"capture", MEND_CMD_CAPTURE,
     "mend capture [POLICY...] [-o FILE] | --evidence DIR [--force] | --from-evidence DIR [-o FILE]",
     "write this machine's IPsec state as a simulator scenario (a twin), or a bundle of its raw facts",
     "  -o, --output FILE    write the scenario to FILE (default: standard output)\n"
     "  --evidence DIR       write a read-only bundle of this machine's raw IPsec facts (docs/evidence.md)\n"
     "  --force              (with --evidence) write into a folder that is not empty\n"
     "  --from-evidence DIR  the twin from such a bundle instead of from this machine\n",
     "  mend capture -o twin.lua\n"
     "  mend capture --evidence C:\\evidence\\web01\n"
     "  mend --host sim:twin.lua fix --dry-run\n"},
    {"apply", MEND_CMD_APPLY, "mend apply PLAN.json [OPTIONS]",
     "carry out a plan written by fix --plan, checking each step first",
     "  --dry-run            print the plan for people and change nothing\n"
     "  --allow LIST         the gates the plan was made with\n",
     "  mend apply plan.json --dry-run\n"
     "  mend apply plan.json --allow kill\n"},
    {"plan", MEND_CMD_PLAN, "mend plan approve PLAN.json [--yes]",
     "review a plan made elsewhere (on a twin) and sign it for this host",
     "  --yes                sign without asking\n",
     "  mend plan approve plan.json\n"},
    {"shell", MEND_CMD_SHELL, "mend shell [OPTIONS]",
     "an interactive Lua prompt with the whole API (same gates, dry-run)",
     "  --dry-run            actions are only reported\n"
     "  --allow LIST         allow gated actions\n",
     "  mend shell --host sim:lab.lua\n"},
    {"test", MEND_CMD_TEST, "mend test SCRIPT.lua [SCENARIO...] [--scenario FILE] [--expect FILE]",
     "run SCRIPT on throwaway copies of scenarios and compare with expectations",
     "  --scenario FILE      a scenario to test on (repeatable; default: those the expectations name)\n"
     "  --expect FILE        expectations (default: SCRIPT.expect.lua next to the script)\n",
     "  mend test audit.lua --scenario scenarios/demo.lua\n"},
    {"help", MEND_CMD_HELP, "mend help [COMMAND]", "this help, or one command's", "", "  mend help fix\n"},
    {"version", MEND_CMD_VERSION, "mend version", "print the version", "", ""},
};

enum { NCOMMANDS = sizeof commands / sizeof *commands };

const mend_cli_command_info *mend_cli_commands(size_t *n)
{
    *n = NCOMMANDS;
    return commands;
}

const mend_cli_command_info *mend_cli_command_by_word(const char *word)
{
    for (size_t i = 0; word && i < NCOMMANDS; i++)
        if (strcmp(commands[i].word, word) == 0)
            return &commands[i];
    return NULL;
}

const char *mend_cli_command_word(mend_command cmd)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (commands[i].cmd == cmd)
            return commands[i].word;
    return "";
}

const char *mend_cli_suggest_command(const char *word)
{
    const char *words[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        words[i] = commands[i].word;
    return mend_suggest(word, words, NCOMMANDS);
}

void mend_cli_command_list(char *buf, size_t size)
{
    /* "fix, check, batch, ... or test": the words a person runs (not help and version). */
    size_t n = 0, last = 0;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (commands[i].cmd != MEND_CMD_HELP && commands[i].cmd != MEND_CMD_VERSION)
            last = i;
    buf[0] = '\0';
    for (size_t i = 0; i <= last && n < size; i++) {
        if (commands[i].cmd == MEND_CMD_HELP || commands[i].cmd == MEND_CMD_VERSION)
            continue;
        n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? (i == last ? " or " : ", ") : "", commands[i].word);
    }
}

static const char common_options[] =
    "  --host local|sim|sim:FILE  which machine to act on (default: local on Windows, else sim)\n"
    "  --dry-run                say what would be done; change nothing\n"
    "  --allow LIST             allow gated actions: kill,registry,reboot,nic,service or all\n"
    "  --yes                    answer yes to prompts (opens kill, nic, service; never registry or reboot)\n"
    "  --json                   print the JSON report on stdout\n"
    "  --report FILE            also write the JSON report to FILE\n"
    "  --journal FILE           journal file (default: STATE_DIR/journal.jsonl)\n"
    "  --color auto|always|never  colour outcomes (auto: on a terminal, unless NO_COLOR is set)\n"
    "  -q, --quiet              only warnings, errors and the totals\n"
    "  -v, --verbose            every step and the full table (-vv: debug output)\n"
    "  --timeout SECONDS        stop a script after this long (default 1800)\n"
    "  --max-memory SIZE        memory limit for scripts: 64M, 1G, 512k, bytes (default 1G)\n"
    "  --unsafe                 give scripts the full Lua standard library\n"
    "  --exit-codes default|sccm  sccm: 3010 reboot required, 1641 reboot initiated\n"
    "  --summary                end with a one-line summary (Intune, log collectors)\n"
    "  --                       end of options\n"
    "  -h, --help               this help (mend COMMAND --help: that command's)\n"
    "  --version                print the version\n";

static const char exit_codes[] =
    "Exit codes: 0 fixed or healthy, 1 a problem remains, 2 usage/configuration/script error,\n"
    "3 reboot required to complete.\n";

void mend_cli_usage(FILE *out)
{
    fputs("usage: mend COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fprintf(out, "  %-9s %s\n", commands[i].word, commands[i].summary);
        /* each command's own options under it, indented */
        for (const char *l = commands[i].options; *l;) {
            size_t n = strcspn(l, "\n");
            fprintf(out, "    %.*s\n", (int)n, l);
            l += n + (l[n] == '\n');
        }
    }
    fprintf(out, "\nOptions (before or after the command):\n%s\n%s"
                 "Run mend COMMAND --help for a command's usage, options and examples.\n",
            common_options, exit_codes);
}

void mend_cli_command_usage(FILE *out, mend_command cmd)
{
    const mend_cli_command_info *c = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (commands[i].cmd == cmd)
            c = &commands[i];
    if (!c || cmd == MEND_CMD_HELP) {
        mend_cli_usage(out);
        return;
    }
    fprintf(out, "usage: %s\n\n%s.\n", c->usage, c->summary);
    if (*c->options)
        fprintf(out, "\nOptions:\n%s", c->options);
    if (*c->examples)
        fprintf(out, "\nExamples:\n%s", c->examples);
    fputs("\nCommon options (mend --help): --host, --dry-run, --allow, --yes, --json, --report, --journal,\n"
          "--color, -q, -v, --timeout, --max-memory, --unsafe, --exit-codes, --summary.\n",
          out);
    if (cmd != MEND_CMD_VERSION)
        fputs(exit_codes, out);
}
