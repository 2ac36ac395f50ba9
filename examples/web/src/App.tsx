import { ApolloProvider } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { connect, type Connection } from './apollo';
import { clearToken, loadToken, saveToken } from './auth';
import { Profile } from './components/Profile';
import { SignIn } from './components/SignIn';

export function App() {
  const [token, setToken] = useState<string | null>(loadToken);

  if (token === null) {
    return (
      <SignIn
        onSignIn={(t) => {
          saveToken(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={token}
      token={token}
      onSignOut={() => {
        clearToken();
        setToken(null);
      }}
    />
  );
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  // A fresh client (cache and WebSocket) per token, closed when the token goes. Made in an
  // effect, so that StrictMode's mount, unmount, mount in development ends with a live one.
  const [connection, setConnection] = useState<Connection | null>(null);
  useEffect(() => {
    const made = connect(token);
    setConnection(made);
    return () => made.dispose();
  }, [token]);

  if (connection === null) return null;
  return (
    <ApolloProvider client={connection.client}>
      <Profile connection={connection} onSignOut={onSignOut} />
    </ApolloProvider>
  );
}
