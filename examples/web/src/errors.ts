import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

/** The form fields an API validation error can point at. */
export const FORM_FIELDS = [
  'displayName',
  'description',
  'webUrl',
  'categories',
  'collaborationTags',
  'allowedAudiences',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export interface FormErrors {
  /** Messages shown next to a field, from `extensions.field`. */
  fields: Partial<Record<FormField, string>>;
  /** Everything else, shown above the submit button. */
  general: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, general: null };

/**
 * `extensions.field` is a dotted path from the argument (`input.webUrl`,
 * `input.categories[3]`); the form field is its first segment below `input`.
 */
export function formFieldOf(path: unknown): FormField | null {
  if (typeof path !== 'string') return null;
  const head = path.replace(/^input\./, '').split(/[.[]/, 1)[0];
  return FORM_FIELDS.find((field) => field === head) ?? null;
}

/** Spreads an error from a mutation over the form's fields. */
export function formErrorsOf(error: unknown): FormErrors {
  if (CombinedGraphQLErrors.is(error)) {
    const fields: FormErrors['fields'] = {};
    const general: string[] = [];
    for (const e of error.errors) {
      const field = formFieldOf(e.extensions?.['field']);
      if (field !== null && fields[field] === undefined) {
        fields[field] = e.message;
      } else if (e.extensions?.['code'] === 'CONFLICT') {
        general.push('Someone changed this interest in the meantime. The list shows the latest version: edit it again.');
      } else {
        general.push(e.message);
      }
    }
    return { fields, general: general.length > 0 ? general.join(' ') : null };
  }
  return { fields: {}, general: describeError(error) };
}

/** A sentence for a person, for any error Apollo Client reports. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join(' ');
  if (ServerError.is(error) && error.statusCode === 401) {
    return 'The gateway refused the token (expired, or signed with another secret). Sign in again.';
  }
  if (error instanceof Error) return `Something went wrong: ${error.message}`;
  return 'Something went wrong.';
}

export function isUnauthenticated(error: unknown): boolean {
  if (ServerError.is(error)) return error.statusCode === 401;
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED');
}
