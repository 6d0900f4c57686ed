/* version: what this binary is, like `docker version`, plus what was built into it. */
//config:config VERSION
//config:	bool "version: show version, target and build configuration"
//config:	default y
//config:	help
//config:	  usage: version [-f FORMAT]
//config:
//config:	  Show ocibox's version, the target it was built for, the libc and
//config:	  mbedtls versions, and the Kconfig symbols built in.
//config:
//config:	  -f, --format FORMAT  json (or Docker's '{{json .}}') for one JSON object
//applet:APPLET(version, VERSION, DOCKER, "f,format: >0")
//docker:version = version

#include "libbb.h"
#include "build_info.h"
#include "json.h"
#include <mbedtls/version.h>
#include <sys/utsname.h>

static void version_json(const char *mbedtls, const char *kernel)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	const char *p = OCIBOX_CONFIG_SYMBOLS;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_platform_fields(&w);
	jw_key(&w, "Board");
	jw_string(&w, OCIBOX_BOARD);
	jw_key(&w, "Target");
	jw_string(&w, OCIBOX_TARGET);
	jw_key(&w, "Libc");
	jw_string(&w, OCIBOX_LIBC);
	jw_key(&w, "Mbedtls");
	jw_string(&w, mbedtls);
	jw_key(&w, "KernelVersion");
	jw_string(&w, kernel);
	jw_key(&w, "Config");
	jw_array_begin(&w);
	while (*p) {
		size_t len = strcspn(p, " ");
		jw_string_len(&w, p, len);
		p += len + (p[len] == ' ');
	}
	jw_array_end(&w);
	jw_object_end(&w);
	sb_addc(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, stdout);
	sb_release(&sb);
}

int version_main(int argc, char **argv)
{
	struct opts o;
	struct utsname u;
	char mbedtls[32];
	const char *fmt;

	xgetopts(&o, argc, argv, OPTS_version);
	mbedtls_version_get_string(mbedtls);
	if (uname(&u) < 0)
		strcpy(u.release, "unknown");
	fmt = o.flags & FLAG_version_format ? o.v[OPT_version_format].arg : NULL;
	if (fmt) {
		if (!STREQ(fmt, "json") && !STREQ(fmt, "{{json .}}"))
			bb_usage_error("unsupported format '%s': use json", fmt);
		version_json(mbedtls, u.release);
		return 0;
	}
	printf("ocibox:\n"
	       " Version:        %s\n"
	       " OS/Arch:        linux/%s%s%s\n"
	       " Board:          %s\n"
	       " Target:         %s\n"
	       " libc:           %s\n"
	       " mbedtls:        %s\n"
	       " Kernel:         %s\n"
	       " Built in:       %s\n",
	       OCIBOX_VERSION, platform_arch(), *platform_variant() ? "/" : "", platform_variant(),
	       OCIBOX_BOARD, OCIBOX_TARGET, OCIBOX_LIBC, mbedtls, u.release,
	       *OCIBOX_CONFIG_SYMBOLS ? OCIBOX_CONFIG_SYMBOLS : "(nothing)");
	return 0;
}
