/* demo_cmd.c: `espnic demo`: runs the demo (two sites in network namespaces,
 * host/demo/espnic_demo.py) with /usr/bin/python3. The script is found next
 * to this executable: demo/ in the build tree, ../libexec/espnic/demo/ when
 * installed. Every argument goes to the script, which checks them. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PYTHON "/usr/bin/python3"

static const char *const script_dirs[] = {"demo", "../libexec/espnic/demo"};

int demo_main(int argc, char **argv)
{
	char exe[PATH_MAX], script[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		cli_err("demo: cannot find this executable: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash) {
		cli_err("demo: unexpected executable path '%s'", exe);
		return EXIT_RUNTIME;
	}
	*slash = '\0';
	bool found = false;
	for (size_t i = 0; i < sizeof(script_dirs) / sizeof(script_dirs[0]) && !found; i++) {
		snprintf(script, sizeof(script), "%s/%s/espnic_demo.py", exe, script_dirs[i]);
		found = access(script, R_OK) == 0;
	}
	if (!found) {
		cli_err("demo: espnic_demo.py is neither in %s/demo nor in "
			"%s/../libexec/espnic/demo",
			exe, exe);
		return EXIT_RUNTIME;
	}
	*slash = '/';

	/* python3 SCRIPT --cli EXE ARGS... (argv[0] is "demo") */
	char **av = calloc((size_t)argc + 5, sizeof(*av));
	if (!av) {
		cli_err("demo: out of memory");
		return EXIT_RUNTIME;
	}
	int k = 0;
	av[k++] = "python3";
	av[k++] = script;
	av[k++] = "--cli";
	av[k++] = exe;
	for (int i = 1; i < argc; i++)
		av[k++] = argv[i];
	av[k] = NULL;
	fflush(NULL);
	execv(PYTHON, av);
	cli_err("demo: cannot run %s: %s (scripts/setup.sh installs python3)", PYTHON,
		strerror(errno));
	free(av);
	return EXIT_RUNTIME;
}
