/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays fuzz inputs through a target without libFuzzer, so that ordinary
 * (gcc) builds run every corpus in the test suite. Arguments are files or
 * directories (every regular file inside is one input).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs above this size are not corpus material; refuse them loudly. */
#define REPLAY_MAX (16u * 1024 * 1024)

static int run_file(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    (unsigned long)n > REPLAY_MAX || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "%s: unreadable or too large\n", path);
		fclose(f);
		return -1;
	}
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* Exact-size copy so ASan sees reads one past the end. */
	LLVMFuzzerTestOneInput(data, (size_t)n);
	free(data);
	(*count)++;
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct dirent *e;
	struct stat st;
	char child[4096];
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		if (run_path(child, count) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			rc = 1;
	printf("replayed %u inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no inputs replayed: empty corpus?\n");
		return 1;
	}
	return rc;
}
