import { useMutation } from '@apollo/client/react';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { formErrorsOf, NO_ERRORS, type FormErrors, type FormField } from '../errors';
import type { AllowedAudiences, CollaborationTag, InterestFieldsFragment } from '../gql/graphql';
import { AUDIENCE_LABELS, AUDIENCE_OPTIONS, DEFAULT_AUDIENCE, TAG_LABELS, TAG_OPTIONS } from '../labels';
import { CreateInterestDocument, MyInterestsDocument, UpdateInterestDocument } from '../operations';

interface Props {
  /** The interest being edited; `null` adds a new one. */
  editing: InterestFieldsFragment | null;
  onDone: () => void;
}

interface Values {
  displayName: string;
  description: string;
  webUrl: string;
  categories: string;
  collaborationTags: ReadonlyArray<CollaborationTag>;
  allowedAudiences: AllowedAudiences;
}

const EMPTY: Values = {
  displayName: '',
  description: '',
  webUrl: '',
  categories: '',
  collaborationTags: [],
  allowedAudiences: DEFAULT_AUDIENCE,
};

function valuesOf(interest: InterestFieldsFragment | null): Values {
  if (interest === null) return EMPTY;
  return {
    displayName: interest.displayName,
    description: interest.description ?? '',
    webUrl: interest.webUrl ?? '',
    categories: interest.categories.join(', '),
    collaborationTags: interest.collaborationTags,
    allowedAudiences: interest.allowedAudiences,
  };
}

/** What the form sends: empty optional text clears the field (`null`). */
function inputOf(values: Values) {
  return {
    displayName: values.displayName,
    description: values.description.trim() === '' ? null : values.description,
    webUrl: values.webUrl.trim() === '' ? null : values.webUrl.trim(),
    categories: values.categories
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    collaborationTags: [...values.collaborationTags],
    allowedAudiences: values.allowedAudiences,
  };
}

export function InterestForm({ editing, onDone }: Props) {
  const ids = useId();
  const idOf = (field: FormField) => `${ids}-${field}`;
  const [values, setValues] = useState<Values>(() => valuesOf(editing));
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [saved, setSaved] = useState<string | null>(null);

  const [createInterest, created] = useMutation(CreateInterestDocument, { refetchQueries: [MyInterestsDocument] });
  // The updated interest comes back with its id, so the cache (and every list showing it) updates by itself.
  const [updateInterest, updated] = useMutation(UpdateInterestDocument);
  const busy = created.loading || updated.loading;

  const change = <K extends keyof Values>(field: K, value: Values[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setSaved(null);
    if (errors.fields[field] !== undefined) {
      const { [field]: _cleared, ...rest } = errors.fields;
      setErrors({ ...errors, fields: rest });
    }
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setErrors(NO_ERRORS);
    setSaved(null);
    try {
      if (editing === null) {
        const { data } = await createInterest({ variables: { input: inputOf(values) } });
        setValues(EMPTY);
        setSaved(`Added “${data?.createInterest.displayName ?? values.displayName}”.`);
      } else {
        await updateInterest({ variables: { id: editing.id, input: inputOf(values), ifMatch: editing.etag } });
        onDone();
      }
    } catch (error) {
      setErrors(formErrorsOf(error));
    }
  };

  /** Props tying an input to its label and to the API's message about it. */
  const describe = (field: FormField) => {
    const message = errors.fields[field];
    return message === undefined
      ? { id: idOf(field), name: field }
      : { id: idOf(field), name: field, 'aria-invalid': true, 'aria-describedby': `${idOf(field)}-error` };
  };
  const fieldError = (field: FormField): ReactNode => {
    const message = errors.fields[field];
    return message === undefined ? null : (
      <p className="field-error" id={`${idOf(field)}-error`} data-testid={`error-${field}`} role="alert">
        {message}
      </p>
    );
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="form-heading" data-testid="interest-form">
      <h2 id="form-heading">{editing === null ? 'Add an interest' : `Edit “${editing.displayName}”`}</h2>

      <div className="field">
        <label htmlFor={idOf('displayName')}>Name</label>
        <input
          {...describe('displayName')}
          value={values.displayName}
          onChange={(e) => change('displayName', e.target.value)}
          placeholder="e.g. Rust programming"
          autoComplete="off"
        />
        {fieldError('displayName')}
      </div>

      <div className="field">
        <label htmlFor={idOf('description')}>Description</label>
        <textarea
          {...describe('description')}
          rows={3}
          value={values.description}
          onChange={(e) => change('description', e.target.value)}
        />
        {fieldError('description')}
      </div>

      <div className="field">
        <label htmlFor={idOf('webUrl')}>Web URL</label>
        <input
          {...describe('webUrl')}
          type="url"
          inputMode="url"
          value={values.webUrl}
          onChange={(e) => change('webUrl', e.target.value)}
          placeholder="https://…"
          autoComplete="off"
        />
        {fieldError('webUrl')}
      </div>

      <div className="field">
        <label htmlFor={idOf('categories')}>Categories</label>
        <input
          {...describe('categories')}
          value={values.categories}
          onChange={(e) => change('categories', e.target.value)}
          placeholder="Comma separated, e.g. Programming, Systems"
          autoComplete="off"
        />
        {fieldError('categories')}
      </div>

      <fieldset className="field" aria-describedby={errors.fields.collaborationTags === undefined ? undefined : `${idOf('collaborationTags')}-error`}>
        <legend>Collaboration</legend>
        <div className="checks">
          {TAG_OPTIONS.map((tag) => (
            <label key={tag} className="check">
              <input
                type="checkbox"
                name="collaborationTags"
                value={tag}
                checked={values.collaborationTags.includes(tag)}
                onChange={(e) =>
                  change(
                    'collaborationTags',
                    e.target.checked
                      ? [...values.collaborationTags, tag]
                      : values.collaborationTags.filter((t) => t !== tag),
                  )
                }
              />
              {TAG_LABELS[tag]}
            </label>
          ))}
        </div>
        {fieldError('collaborationTags')}
      </fieldset>

      <div className="field">
        <label htmlFor={idOf('allowedAudiences')}>Who can see it</label>
        <select
          {...describe('allowedAudiences')}
          value={values.allowedAudiences}
          onChange={(e) => {
            const audience = AUDIENCE_OPTIONS.find((a) => a === e.target.value);
            if (audience !== undefined) change('allowedAudiences', audience);
          }}
        >
          {AUDIENCE_OPTIONS.map((audience) => (
            <option key={audience} value={audience}>
              {AUDIENCE_LABELS[audience]}
            </option>
          ))}
        </select>
        {fieldError('allowedAudiences')}
      </div>

      {errors.general !== null && (
        <p className="error" role="alert" data-testid="form-error">
          {errors.general}
        </p>
      )}
      {saved !== null && (
        <p className="saved" role="status" data-testid="form-status">
          {saved}
        </p>
      )}

      <div className="buttons">
        <button type="submit" disabled={busy}>
          {editing === null ? 'Add interest' : 'Save changes'}
        </button>
        {editing !== null && (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
