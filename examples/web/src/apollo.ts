import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';

/** The state of the subscription WebSocket, shown in the header. */
export type LiveStatus = 'connecting' | 'live' | 'offline';

export interface Connection {
  client: ApolloClient;
  /** Subscribes to changes of the WebSocket's state; returns the unsubscribe function. */
  onLiveStatus(listener: () => void): () => void;
  liveStatus(): LiveStatus;
  dispose(): void;
}

/** `/graphql` on this origin: Vite (dev and preview) proxies it, HTTP and WebSocket, to the gateway. */
function webSocketUrl(): string {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** One Apollo Client per token: queries and mutations over HTTP, subscriptions over graphql-ws. */
export function connect(token: string): Connection {
  const authorization = `Bearer ${token}`;
  let status: LiveStatus = 'connecting';
  const listeners = new Set<() => void>();
  const setStatus = (next: LiveStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of listeners) listener();
  };

  const wsClient = createClient({
    url: webSocketUrl(),
    // The gateway reads the token from the `connection_init` payload, as Apollo apps send it.
    connectionParams: { authorization },
    retryAttempts: 20,
    on: {
      connecting: () => setStatus('connecting'),
      connected: () => setStatus('live'),
      closed: () => setStatus('offline'),
    },
  });

  const httpLink = new HttpLink({ uri: '/graphql', headers: { authorization } });
  const link = ApolloLink.split(
    ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(wsClient),
    httpLink,
  );

  const client = new ApolloClient({
    link,
    cache: new InMemoryCache(),
    clientAwareness: { name: 'interest-gateway-web-example', version: '0.1.0' },
  });

  return {
    client,
    onLiveStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    liveStatus: () => status,
    dispose() {
      listeners.clear();
      void wsClient.dispose();
      client.stop();
      void client.clearStore();
    },
  };
}
