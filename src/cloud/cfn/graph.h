/*
 * The dependencies between a template's resources, as CloudFormation draws them: a resource
 * depends on every resource it names in DependsOn and on every resource that a Ref, a
 * Fn::GetAtt or a ${} of Fn::Sub anywhere in its definition refers to. Creation follows the
 * dependencies; deletion runs against them.
 */
#ifndef CLOUD_CFN_GRAPH_H
#define CLOUD_CFN_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct cJSON;

struct cfn_graph {
	size_t n;
	const char **names; /* logical ids in template order (borrowed from the template) */
	size_t **deps;      /* deps[i]: indices of the resources that i depends on */
	size_t *ndeps;
};

/*
 * Build the graph of template's Resources, checking that every name referred to exists: a
 * resource, a parameter or a pseudo-parameter ("Unresolved resource dependencies [X] in the
 * Resources block of the template"), and the same for the Outputs section. The graph
 * borrows names from template, which must outlive it. Release with cfn_graph_release().
 */
bool cfn_graph_build(const struct cJSON *template, struct cfn_graph *g, struct error *err);
void cfn_graph_release(struct cfn_graph *g);

/*
 * A creation order: order[k] is the index of the k-th resource to create, every resource
 * after all it depends on, ties in template order. Fails with CloudFormation's "Circular
 * dependency between resources: [A, B]" (every resource that cannot be ordered).
 */
bool cfn_graph_order(const struct cfn_graph *g, size_t *order, struct error *err);

/* The index of name, or (size_t)-1. */
size_t cfn_graph_index(const struct cfn_graph *g, const char *name);

/*
 * Call fn for every resource name that value refers to through Ref, Fn::GetAtt and Fn::Sub
 * (known tells which names are resources; other names are ignored). Returns false when fn
 * does, or with err set when a reference is malformed.
 */
bool cfn_graph_refs(const struct cJSON *value, const struct cJSON *resources,
		    bool (*fn)(void *arg, const char *name), void *arg, struct error *err);

#endif
