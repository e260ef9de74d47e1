/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Option tables: the same rows feed getopt_long and --help, so the help
 * cannot forget an option or describe one that is not parsed.
 */
#include <string.h>

#include "tools/tools.h"

/* Keys below this are short option letters. */
#define SHORT_KEY_END 256

static bool has_short(const struct tool_opt *o)
{
	return o->key > ' ' && o->key < SHORT_KEY_END;
}

void tool_getopt_init(struct tool_getopt *g, const struct tool_opt *o,
		      size_t n, const char *prefix)
{
	size_t len;

	if (n > TOOL_OPT_MAX)
		n = TOOL_OPT_MAX;
	memset(g, 0, sizeof(*g));
	snprintf(g->shorts, sizeof(g->shorts), "%s", prefix);
	for (size_t i = 0; i < n; i++) {
		g->longs[i] = (struct option){ o[i].name, o[i].has_arg, NULL,
					       o[i].key };
		if (!has_short(&o[i]))
			continue;
		len = strlen(g->shorts);
		snprintf(g->shorts + len, sizeof(g->shorts) - len, "%c%s",
			 o[i].key,
			 o[i].has_arg == required_argument   ? ":"
			 : o[i].has_arg == optional_argument ? "::"
							     : "");
	}
}

int tool_getopt(const struct tool_getopt *g, int argc, char **argv)
{
	return getopt_long(argc, argv, g->shorts, g->longs, NULL);
}

void tool_help_row(FILE *f, const char *left, const char *text)
{
	fprintf(f, "  %-*s %s\n", TOOL_HELP_LEFT, left, text);
}

/* "-n, --frames=N", "-d, --debug[=SPEC]" or "    --busy-poll". */
static void format_left(const struct tool_opt *o, char *out, size_t cap)
{
	char flag[8] = "   ";
	const char *open = "", *close = "";

	if (has_short(o))
		snprintf(flag, sizeof(flag), "-%c,", o->key);
	if (o->arg) {
		open = o->has_arg == optional_argument ? "[=" : "=";
		close = o->has_arg == optional_argument ? "]" : "";
	}
	snprintf(out, cap, "%s --%s%s%s%s", flag, o->name, open,
		 o->arg ? o->arg : "", close);
}

void tool_help(FILE *f, const char *intro, const struct tool_opt *o, size_t n,
	       const char *outro)
{
	char left[TOOL_HELP_LEFT * 2];

	if (intro)
		fputs(intro, f);
	for (size_t i = 0; i < n; i++) {
		format_left(&o[i], left, sizeof(left));
		tool_help_row(f, left, o[i].help);
	}
	if (outro)
		fputs(outro, f);
}
