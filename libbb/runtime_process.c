/* The tail every container process shares, init or exec: what must happen last, in order. */
#include "runtime.h"
#include "caps.h"
#include "seccomp.h"

int runtime_exec_process(const struct seccomp_filter *sc, const struct process_attrs *attrs,
			 const char *cwd, const char *where, const char *exe,
			 const char *const *args, const char *const *env, struct error **err)
{
	bool nnp = attrs && attrs->no_new_privileges;

	if (sc && !nnp && seccomp_install(sc, err) < 0)
		return -1;
	if (attrs && process_attrs_apply_identity(attrs, err) < 0)
		return -1;
	if (chdir(cwd) < 0)
		return err_errno(err, "chdir to cwd (\"%s\") set in %s", cwd, where);
	if (sc && nnp && seccomp_install(sc, err) < 0)
		return -1;
	execve(exe, (char **)args, (char **)env);
	return err_errno(err, "exec %s", exe);
}
