/* Docker's --format templates and its aligned tables (libbb/template.c). */
#ifndef OCIBOX_TEMPLATE_H
#define OCIBOX_TEMPLATE_H

#include "libbb.h"
#include "json.h"

/* Appends fmt with every {{.A.B}} (strings as text, the rest as JSON), {{json .A}} and
 * {{json .}} filled from root; "\t" and "\n" as two characters become tab and newline. Other
 * actions are an -EINVAL error naming them. */
int template_expand(const char *fmt, const struct json *root, struct strbuf *out,
                    struct error **err);
/* Prints rows of tab-separated cells aligned like Docker's tabwriter (min width 10, padding 3). */
void table_print(FILE *f, char **rows, size_t n);

#endif
