import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useId, useState } from 'react';
import { describeError } from '../errors';
import { InterestOrderField, OrderDirection, type InterestFieldsFragment } from '../gql/graphql';
import { AUDIENCE_LABELS, TAG_LABELS } from '../labels';
import { DeleteInterestDocument, MyInterestsDocument } from '../operations';

export const PAGE_SIZE = 5;

interface Props {
  userId: string;
  editingId: string | null;
  onEdit: (interest: InterestFieldsFragment) => void;
}

export function InterestList({ userId, editingId, onEdit }: Props) {
  const searchId = useId();
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  // The `after` cursor of every page visited so far; the last one is the current page.
  const [cursors, setCursors] = useState<ReadonlyArray<string | null>>([null]);
  const after = cursors[cursors.length - 1] ?? null;

  // Search as you type, a moment after the typing stops; a new search starts on page 1.
  useEffect(() => {
    const next = search.trim();
    if (next === query) return;
    const timer = setTimeout(() => {
      setQuery(next);
      setCursors([null]);
    }, 250);
    return () => clearTimeout(timer);
  }, [search, query]);

  const { data, previousData, error, loading } = useQuery(MyInterestsDocument, {
    variables: {
      // Newest first; a search is ranked best first instead.
      filter: query === '' ? null : { search: query },
      orderBy: query === '' ? { field: InterestOrderField.CreatedDateTime, direction: OrderDirection.Desc } : null,
      first: PAGE_SIZE,
      after,
    },
    fetchPolicy: 'cache-and-network',
    // A refetch after a live event must not join a request that is already on its way: that
    // one may have left before the change and would answer with the list as it was.
    context: { queryDeduplication: false },
  });
  const connection = (data ?? previousData)?.me.interests;

  // A page emptied by deletions (here or elsewhere) steps back to the one before.
  const emptyLaterPage = data !== undefined && data.me.interests.edges.length === 0 && cursors.length > 1;
  useEffect(() => {
    if (emptyLaterPage) setCursors((c) => c.slice(0, -1));
  }, [emptyLaterPage]);

  const first = (cursors.length - 1) * PAGE_SIZE;
  const edges = connection?.edges ?? [];

  return (
    <>
      <div className="list-head">
        <h2 id="list-heading">
          My interests{' '}
          {connection !== undefined && (
            <span className="count" data-testid="total-count" aria-label={`${connection.totalCount} in total`}>
              {connection.totalCount}
            </span>
          )}
        </h2>
        <div className="search" role="search">
          <label htmlFor={searchId}>Search</label>
          <input
            id={searchId}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Name, description, category"
            data-testid="search"
          />
        </div>
      </div>

      {error !== undefined && (
        <p className="error" role="alert">
          {describeError(error)}
        </p>
      )}

      {connection !== undefined && edges.length === 0 && !loading && (
        <p className="empty" data-testid="empty">
          {query === '' ? 'No interests yet: add one with the form.' : `Nothing matches “${query}”.`}
        </p>
      )}

      <ul className="interests" aria-label="Interests" aria-busy={loading} data-testid="interest-list" data-user-id={userId}>
        {edges.map(({ node }) => (
          <InterestItem key={node.id} interest={node} editing={node.id === editingId} onEdit={onEdit} />
        ))}
      </ul>

      {connection !== undefined && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            className="secondary"
            disabled={cursors.length <= 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Previous page
          </button>
          <span data-testid="page-status" aria-live="polite">
            {edges.length === 0
              ? `Page ${cursors.length}`
              : `Page ${cursors.length}: ${first + 1}–${first + edges.length} of ${connection.totalCount}`}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={!connection.pageInfo.hasNextPage || connection.pageInfo.endCursor === null}
            onClick={() => {
              const next = connection.pageInfo.endCursor;
              if (next !== null) setCursors((c) => [...c, next]);
            }}
          >
            Next page
          </button>
        </nav>
      )}
    </>
  );
}

function InterestItem({
  interest,
  editing,
  onEdit,
}: {
  interest: InterestFieldsFragment;
  editing: boolean;
  onEdit: (interest: InterestFieldsFragment) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [deleteInterest, { loading, error }] = useMutation(DeleteInterestDocument, {
    refetchQueries: [MyInterestsDocument],
  });

  return (
    <li className={editing ? 'interest editing' : 'interest'} data-testid="interest-item" data-interest-id={interest.id}>
      <div className="interest-main">
        <h3 data-testid="interest-name">
          {interest.webUrl !== null ? (
            <a href={interest.webUrl} target="_blank" rel="noreferrer">
              {interest.displayName}
            </a>
          ) : (
            interest.displayName
          )}
        </h3>
        {interest.description !== null && <p className="description">{interest.description}</p>}
        <p className="chips">
          {interest.categories.map((c) => (
            <span key={c} className="chip">
              {c}
            </span>
          ))}
          {interest.collaborationTags.map((t) => (
            <span key={t} className="chip tag">
              {TAG_LABELS[t]}
            </span>
          ))}
        </p>
        <p className="meta">
          Visible to {AUDIENCE_LABELS[interest.allowedAudiences].toLowerCase()} · changed{' '}
          <time dateTime={interest.lastModifiedDateTime}>{new Date(interest.lastModifiedDateTime).toLocaleString()}</time>
        </p>
        {error !== undefined && (
          <p className="error" role="alert">
            {describeError(error)}
          </p>
        )}
      </div>
      <div className="actions">
        {confirming ? (
          <>
            <button
              type="button"
              className="danger"
              disabled={loading}
              onClick={() => {
                deleteInterest({ variables: { id: interest.id } }).catch(() => setConfirming(false));
              }}
            >
              Confirm delete
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="secondary"
              aria-label={`Edit ${interest.displayName}`}
              onClick={() => onEdit(interest)}
            >
              Edit
            </button>
            <button
              type="button"
              className="secondary"
              aria-label={`Delete ${interest.displayName}`}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}
