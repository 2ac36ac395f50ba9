import { useQuery } from '@apollo/client/react';
import { useState, useSyncExternalStore } from 'react';
import type { Connection, LiveStatus } from '../apollo';
import { describeError, isUnauthenticated } from '../errors';
import type { InterestFieldsFragment } from '../gql/graphql';
import { MeDocument } from '../operations';
import { InterestForm } from './InterestForm';
import { InterestList } from './InterestList';
import { useLiveUpdates } from './useLiveUpdates';

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  offline: 'Offline',
};

export function Profile({ connection, onSignOut }: { connection: Connection; onSignOut: () => void }) {
  const status = useSyncExternalStore(connection.onLiveStatus, connection.liveStatus);
  const { data, error } = useQuery(MeDocument);
  const [editing, setEditing] = useState<InterestFieldsFragment | null>(null);

  if (error !== undefined) {
    return (
      <main className="sign-in">
        <h1>Interests</h1>
        <p className="error" role="alert" data-testid="session-error">
          {isUnauthenticated(error) ? 'The gateway refused this token: it may have expired.' : describeError(error)}
        </p>
        <button type="button" onClick={onSignOut}>
          Sign in again
        </button>
      </main>
    );
  }
  if (data === undefined) {
    return (
      <main className="sign-in" aria-busy="true">
        <p>Loading your profile…</p>
      </main>
    );
  }

  const me = data.me;
  return (
    <>
      <header className="top">
        <h1>Interests</h1>
        <div className="who">
          <span className={`live live-${status}`} data-testid="live-status" title="Subscription WebSocket">
            {STATUS_TEXT[status]}
          </span>
          <span>
            Signed in as{' '}
            <strong data-testid="me" data-user-id={me.id}>
              {me.displayName ?? me.id}
            </strong>{' '}
            <span className="muted">({me.id})</span>
          </span>
          <button type="button" className="secondary" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="layout">
        <section className="panel" aria-labelledby="form-heading">
          <InterestForm key={editing?.id ?? 'new'} editing={editing} onDone={() => setEditing(null)} />
        </section>
        <section className="panel" aria-labelledby="list-heading">
          <InterestList userId={me.id} editingId={editing?.id ?? null} onEdit={setEditing} />
          <LiveActivity
            userId={me.id}
            // An interest deleted while it is in the form (here or elsewhere) leaves the form.
            onDeleted={(id) => setEditing((current) => (current?.id === id ? null : current))}
          />
        </section>
      </main>
    </>
  );
}

function LiveActivity({ userId, onDeleted }: { userId: string; onDeleted: (id: string) => void }) {
  const activity = useLiveUpdates(userId, onDeleted);
  if (activity.length === 0) return null;
  return (
    <aside className="activity" aria-label="Live activity">
      <h3>Live activity</h3>
      <ul data-testid="activity">
        {activity.map((a) => (
          <li key={a.key}>
            <time dateTime={a.at}>{new Date(a.at).toLocaleTimeString()}</time> {a.text}
          </li>
        ))}
      </ul>
    </aside>
  );
}
