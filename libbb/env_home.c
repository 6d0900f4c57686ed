/* runc gives a process whose env has no HOME the home of its uid in the container's /etc/passwd,
 * or "/" when no entry names it; called after pivot_root or setns, so the passwd read is the
 * container's own. */
#include "runtime.h"
#include <stdio.h>

static char *passwd_home(uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	char *line = NULL, *home = NULL;
	size_t cap = 0;

	while (f && !home && getline(&line, &cap, f) > 0) {
		/* name:passwd:uid:gid:gecos:home:shell */
		char *field[7] = {line}, *end;
		size_t n = 1;

		for (char *p = line; *p && n < 7; p++)
			if (*p == ':') {
				*p = '\0';
				field[n++] = p + 1;
			}
		if (n < 7 || strtoul(field[2], &end, 10) != uid || *end || !*field[2])
			continue;
		field[5][strcspn(field[5], "\n")] = '\0';
		home = xstrdup(*field[5] ? field[5] : "/");
	}
	free(line);
	if (f)
		fclose(f);
	return home ? home : xstrdup("/");
}

const char **env_add_home(const char **env, uid_t uid)
{
	size_t n = 0;
	const char **out;
	cleanup_free char *home = NULL;

	for (; env && env[n]; n++)
		if (str_has_prefix(env[n], "HOME="))
			return env;
	home = passwd_home(uid);
	out = xzalloc((n + 2) * sizeof(*out));
	memcpy(out, env, n * sizeof(*out));
	/* never freed: the array lives until execve replaces the process */
	out[n] = xasprintf("HOME=%s", home);
	return out;
}
