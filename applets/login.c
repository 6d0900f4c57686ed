/* login, logout: credentials for a registry in ocibox's config file (libbb/registry_config.c),
 * checked against the registry before they are stored. */
//config:config LOGIN
//config:	bool "login: log in to a registry"
//config:	default y
//config:	help
//config:	  usage: login [-u USER] [-p PASS | --password-stdin] [SERVER]
//config:
//config:	  Check USER and PASS against SERVER (default docker.io) and store
//config:	  them, mode 0600, in $OCIBOX_CONFIG or ~/.ocibox/config.json.
//config:
//config:	  -u, --username USER  the user name
//config:	  -p, --password PASS  the password (visible to ps: prefer --password-stdin)
//config:	  --password-stdin     read the password from standard input
//config:	  --insecure-registry HOST  do not verify HOST's certificate
//config:	  --tls-skew-clock     accept certificates outside their dates
//applet:APPLET(login, LOGIN, DOCKER, "u,username: p,password: password-stdin insecure-registry* tls-skew-clock >1")
//docker:login = login
//config:
//config:config LOGOUT
//config:	bool "logout: forget a registry's credentials"
//config:	default y
//config:	help
//config:	  usage: logout [SERVER]
//config:
//config:	  Remove SERVER's (default docker.io) credentials from ocibox's config.
//applet:APPLET(logout, LOGOUT, DOCKER, ">1")
//docker:logout = logout

#include "libbb.h"
#include "http.h"
#include "registry.h"

static char *read_password(void)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[256];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0 && sb.len < 4096)
		sb_add(&sb, buf, n);
	sb_grow(&sb, 0);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = '\0';
	return sb_steal(&sb);
}

/* "https://index.docker.io/v1/" and "docker.io/" as Docker accepts them: the host. */
static char *server_host(const char *arg)
{
	const char *s = arg ? arg : REGISTRY_DOCKER_HUB;
	char *h, *slash;

	if (str_has_prefix(s, "https://"))
		s += 8;
	else if (str_has_prefix(s, "http://"))
		s += 7;
	h = xstrdup(s);
	if ((slash = strchr(h, '/')))
		*slash = '\0';
	if (STREQ(h, "index.docker.io") || STREQ(h, "registry-1.docker.io")) {
		free(h);
		h = xstrdup(REGISTRY_DOCKER_HUB);
	}
	return h;
}

int login_main(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	struct http_options ho = {0};
	struct http_client *http = NULL;
	struct registry_config cfg = {0};
	cleanup_free char *host = NULL, *pass = NULL, *path = NULL;
	cleanup_free const char **insecure = NULL;
	const char *user;

	xgetopts(&o, argc, argv, OPTS_login);
	host = server_host(o.argv[0]);
	user = o.v[OPT_login_username].arg;
	if (o.flags & FLAG_login_password_stdin)
		pass = read_password();
	else if (o.v[OPT_login_password].arg)
		pass = xstrdup(o.v[OPT_login_password].arg);
	if (!user || !pass || !*user)
		bb_usage_error(
		    "a user name (-u) and a password (-p or --password-stdin) are needed");
	if (registry_config_load(&cfg, &err) < 0)
		err_die(&err);
	insecure = registry_insecure_hosts(&cfg, o.v[OPT_login_insecure_registry].list);
	ho.insecure = insecure;
	ho.tls_skew_clock = o.flags & FLAG_login_tls_skew_clock;
	if (http_client_new(&ho, &http, &err) < 0 ||
	    registry_login(http, host, user, pass, &err) < 0)
		err_die(&err);
	path = registry_config_path();
	if (registry_config_set_creds(path, registry_auth_key(host), user, pass, &err) < 0)
		err_die(&err);
	http_client_free(http);
	registry_config_release(&cfg);
	printf("Login Succeeded\n");
	return 0;
}

int logout_main(int argc, char **argv)
{
	struct opts o;
	struct error *err = NULL;
	cleanup_free char *host = NULL, *path = NULL;
	int r;

	xgetopts(&o, argc, argv, OPTS_logout);
	host = server_host(o.argv[0]);
	path = registry_config_path();
	r = registry_config_set_creds(path, registry_auth_key(host), NULL, NULL, &err);
	if (r == -ENOENT) {
		err_free(&err);
		printf("Not logged in to %s\n", host);
		return 0;
	}
	if (r < 0)
		err_die(&err);
	printf("Removing login credentials for %s\n", host);
	return 0;
}
