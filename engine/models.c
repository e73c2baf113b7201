// SPDX-License-Identifier: MIT
/*
 * models.c - the built-in models by name.  Tests that bring their own
 * model (a toy, a fake) pass its table to pd_run() directly.
 */
#include <string.h>

#include <pagediff/engine.h>

static const struct pd_model_ops *const builtin[] = {
	&pd_oracle_ops,
#ifdef PAGEDIFF_HAVE_IMPL
	&pd_impl_ops,
#endif
	NULL,
};

static const char *const builtin_name[] = {
	"oracle",
#ifdef PAGEDIFF_HAVE_IMPL
	"impl",
#endif
};

const struct pd_model_ops *const *pd_model_list(void)
{
	return builtin;
}

/* By registry name ("oracle", "impl"), or by the table's own name. */
const struct pd_model_ops *pd_model_find(const char *name)
{
	for (size_t i = 0; builtin[i]; i++)
		if (!strcmp(builtin_name[i], name) ||
		    (builtin[i]->name && !strcmp(builtin[i]->name, name)))
			return builtin[i];
	return NULL;
}

const struct pd_model_ops *pd_model_default_primary(void)
{
#ifdef PAGEDIFF_HAVE_IMPL
	return &pd_impl_ops;
#else
	return &pd_oracle_ops;
#endif
}
