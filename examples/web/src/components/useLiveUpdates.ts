import { useSubscription } from '@apollo/client/react';
import type { ApolloClient } from '@apollo/client';
import { useRef, useState } from 'react';
import type { InterestEventType } from '../gql/graphql';
import { InterestFieldsFragment, InterestEventsDocument, MyInterestsDocument } from '../operations';

export interface Activity {
  key: string;
  at: string;
  text: string;
}

const VERB: Record<InterestEventType, string> = {
  CREATED: 'Added',
  UPDATED: 'Changed',
  DELETED: 'Removed',
};

/**
 * Keeps the list current while other clients (another tab, another app, the REST API)
 * change the user's interests: `interestEvents(userId)` over the graphql-ws WebSocket.
 * An update's new state lands in the normalised cache by itself (the event carries the
 * interest with its id); lists are refetched, because a change can move an interest into
 * or out of a page, a search, or the count.
 */
export function useLiveUpdates(userId: string, onDeleted?: (interestId: string) => void): Activity[] {
  const [activity, setActivity] = useState<Activity[]>([]);
  // At most one refetch on its way and one to follow, however fast events come.
  const refetching = useRef({ running: false, again: false });

  const refetch = (client: ApolloClient) => {
    const state = refetching.current;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    void client
      .refetchQueries({ include: [MyInterestsDocument] })
      .catch(() => undefined) // the list shows its own error
      .finally(() => {
        state.running = false;
        if (state.again) {
          state.again = false;
          refetch(client);
        }
      });
  };

  useSubscription(InterestEventsDocument, {
    variables: { userId },
    onData: ({ client, data }) => {
      const event = data.data?.interestEvents;
      if (event === undefined) return;
      const known = client.cache.readFragment({
        from: { __typename: 'PersonInterest', id: event.interestId },
        fragment: InterestFieldsFragment,
      });
      const name = event.interest?.displayName ?? known?.displayName ?? 'an interest';
      refetch(client);
      if (event.type === 'DELETED') onDeleted?.(event.interestId);
      setActivity((list) =>
        [{ key: `${event.at}-${event.interestId}-${event.type}`, at: event.at, text: `${VERB[event.type]} “${name}”` }, ...list].slice(0, 5),
      );
    },
  });

  return activity;
}
