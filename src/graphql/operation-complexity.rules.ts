import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, Kind, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * How large and complex an operation may be (not how often a client may send one: that
 * is rate-limits/): every operation must meet these before it executes. They are generous for real
 * clients (an order is three levels deep; the standard introspection query is 21 levels
 * and under 200 tokens) and their errors never reveal the numbers, so nobody can tune an
 * attack to them. Introspection counts too: nested `ofType` is the classic deep query.
 */
export const OPERATION_COMPLEXITY = { maxTokens: 4000, maxDepth: 25, maxAliases: 10 } as const;

/** graphql-armor throws by default (for envelop); inside graphql-js validation, report instead. */
const reportInValidation = {
  propagateOnRejection: false,
  onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
};

/** At most one root field per mutation: one paid order per request, one outcome per response. */
const singleRootMutationFieldRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (node.operation !== 'mutation') return;
    const fields = node.selectionSet.selections.filter((selection) => selection.kind === Kind.FIELD);
    const others = node.selectionSet.selections.filter((selection) => selection.kind !== Kind.FIELD);
    if (fields.length !== 1 || others.length > 0) {
      context.reportError(new GraphQLError('A mutation must select exactly one root field, without fragments.', { nodes: [node] }));
    }
  },
});

/**
 * An operation of a type the schema has no root for (this schema has no subscriptions) is
 * the caller's mistake: refused in validation, not left to fail in execution as an
 * internal error that counts as an outage.
 */
const knownOperationTypeRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: [node] }));
  },
});

export function operationValidationRules(): ValidationRule[] {
  return [
    knownOperationTypeRule,
    singleRootMutationFieldRule,
    maxAliasesRule({
      n: OPERATION_COMPLEXITY.maxAliases,
      exposeLimits: false,
      errorMessage: 'Too many aliases.',
      ...reportInValidation,
    }) as ValidationRule,
    maxDepthRule({
      n: OPERATION_COMPLEXITY.maxDepth,
      exposeLimits: false,
      ignoreIntrospection: false,
      errorMessage: 'The operation is nested too deeply.',
      ...reportInValidation,
    }) as ValidationRule,
  ];
}
