import type { ApolloServerPlugin } from '@apollo/server';
import {
  coerceInputValue,
  getNamedType,
  isInputObjectType,
  isInputType,
  isNonNullType,
  Kind,
  typeFromAST,
  type GraphQLError,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from 'graphql';
import { InvalidInputError, type InputViolation } from '../errors/invalid-input.error.js';
import { capEchoedValues } from './error-message.text.js';

/** The gateway's own rules for an input object type: every broken rule of the fields present. */
export type InputRules = (present: Record<string, unknown>) => readonly InputViolation[];

/** graphql-js stops coercing variables after this many errors; so does this answer. */
const MAX_VIOLATIONS = 50;

const FIELD_NAMED = 'Field "';

/** `.a.b[0]` for graphql-js's path inside a variable's value, as graphql-js prints it after the variable's name. */
function printPath(path: ReadonlyArray<string | number>): string {
  return path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
}

/** `a.b[0]`: the path as a violation's field. */
function pathText(path: ReadonlyArray<string | number>): string {
  return printPath(path).replace(/^\./, '');
}

/**
 * The field a graphql-js coercion error is about: its path, or for a missing or unknown
 * field (reported at the object itself) the name its message quotes first.
 */
function fieldOf(variable: string, path: ReadonlyArray<string | number>, reason: string): string {
  if (reason.startsWith(FIELD_NAMED)) {
    const end = reason.indexOf('" ', FIELD_NAMED.length);
    const name = end === -1 ? undefined : reason.slice(FIELD_NAMED.length, end);
    if (name) return capEchoedValues(pathText([...path, name]));
  }
  return path.length === 0 ? variable : pathText(path);
}

/** Violations of one variable in the order of its input type's fields, fields the type lacks last. */
function inFieldOrder(violations: InputViolation[], fieldNames: readonly string[]): InputViolation[] {
  const rank = (violation: InputViolation): number => {
    const index = fieldNames.indexOf(violation.field.split(/[.[]/, 1)[0]!);
    return index === -1 ? fieldNames.length : index;
  };
  return violations
    .map((violation, index) => ({ violation, index }))
    .sort((a, b) => rank(a.violation) - rank(b.violation) || a.index - b.index)
    .map(({ violation }) => violation);
}

interface VariableCheck {
  /** True when graphql-js would refuse the variable, so nothing would execute. */
  refused: boolean;
  violations: InputViolation[];
}

/** Every problem with one variable: graphql-js's coercion, then the gateway's rules for what coerced. */
function checkVariable(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  rules: ReadonlyMap<string, InputRules>,
  hideSuggestions: boolean,
): VariableCheck {
  const variable = definition.variable.name.value;
  const type = typeFromAST(schema, definition.type);
  // Validation has refused a variable of an unknown or output type already.
  if (!type || !isInputType(type)) return { refused: false, violations: [] };
  if (!Object.hasOwn(variables, variable)) {
    if (definition.defaultValue || !isNonNullType(type)) return { refused: false, violations: [] };
    const message = `Variable "$${variable}" of required type "${type.toString()}" was not provided.`;
    return { refused: true, violations: [{ field: variable, message }] };
  }
  const value = variables[variable];
  if (value === null && isNonNullType(type)) {
    const message = `Variable "$${variable}" of non-null type "${type.toString()}" must not be null.`;
    return { refused: true, violations: [{ field: variable, message }] };
  }

  const violations: InputViolation[] = [];
  const coerced = coerceInputValue(
    value,
    type,
    (path, _invalidValue, error) => {
      const field = fieldOf(variable, path, error.message);
      const where = path.length === 0 ? '' : ` at "${variable}${printPath(path)}"`;
      violations.push({ field, message: capEchoedValues(`Variable "$${variable}" got an invalid value${where}: ${error.message}`) });
    },
    hideSuggestions,
  );

  const refused = violations.length > 0;
  const named = getNamedType(type);
  const ownRules = rules.get(named.name);
  if (!refused || !ownRules || !isInputObjectType(named) || typeof coerced !== 'object' || coerced === null || Array.isArray(coerced)) {
    return { refused, violations };
  }
  // A field graphql-js refused is left undefined in what it coerced, so each field is
  // checked by one of the two, never both.
  violations.push(...ownRules(coerced as Record<string, unknown>));
  return { refused, violations: inFieldOrder(violations, Object.keys(named.getFields())) };
}

/**
 * graphql-js's refusal of a variable (its coercion, in `execute`): the one error kind it
 * reports at a variable's definition alone. Validation's "variable never used" has that
 * shape too, which is why only errors of an execution are looked at.
 */
function isVariableRefusal(error: GraphQLError): boolean {
  return error.nodes?.length === 1 && error.nodes[0]?.kind === Kind.VARIABLE_DEFINITION;
}

/**
 * Answers a request whose variables GraphQL refuses with one `BAD_USER_INPUT` error
 * listing every problem, before anything executes. graphql-js coerces variables itself
 * and answers one error per problem, without the gateway's rules ever running on the
 * fields that were fine. So when graphql-js has refused a variable (nothing has executed:
 * `execute` stops at its variables), this plugin coerces them again the same way
 * (graphql-js's own `coerceInputValue`), applies the gateway's rules for the input types
 * named in `rules` to the fields that coerced, and throws one InvalidInputError with all
 * of them. A request whose variables GraphQL accepts is coerced once, by graphql-js, and
 * the resolver's rules (which also guard input written inline) answer in the same shape.
 *
 * The error is thrown from `didEncounterErrors` of the execution: Apollo answers an error
 * thrown there as one thrown in `didResolveOperation` (`sendErrorResponse`, the status and
 * extensions of the thrown error), whatever the order of the plugins; every plugin's
 * `didEncounterErrors` and `willSendResponse` then sees the InvalidInputError.
 * test/integration/error-contract.test.ts pins the answer.
 */
export function inputViolationsPlugin(options: { rules: ReadonlyMap<string, InputRules>; hideSuggestions: boolean }): ApolloServerPlugin {
  const { rules, hideSuggestions } = options;
  return {
    async requestDidStart() {
      // Errors reach didEncounterErrors from every stage (parsing, validation, our own
      // thrown error); only those of the execution can be graphql-js's variable refusals.
      let executing = false;
      return {
        async executionDidStart() {
          executing = true;
        },
        async didEncounterErrors({ errors, operation, request, schema }) {
          if (!executing) return;
          // The error thrown below comes back through this hook: it is answered as it is.
          executing = false;
          const definitions = operation?.variableDefinitions ?? [];
          if (definitions.length === 0 || !errors.some(isVariableRefusal)) return;
          const variables = request.variables ?? {};
          const checks = definitions.map((definition) => checkVariable(schema, definition, variables, rules, hideSuggestions));
          // Only when the coercion here agrees that a variable is refused; otherwise
          // graphql-js's own errors are answered (format-error.ts gives them the same shape).
          if (!checks.some((check) => check.refused)) return;
          const [first, ...rest] = checks.flatMap((check) => check.violations).slice(0, MAX_VIOLATIONS);
          if (first) throw new InvalidInputError([first, ...rest]);
        },
      };
    },
  };
}
