import { useId, useState, type FormEvent } from 'react';
import { normalizeToken } from '../auth';

export function SignIn({ onSignIn, notice }: { onSignIn: (token: string) => void; notice?: string }) {
  const [value, setValue] = useState('');
  const id = useId();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = normalizeToken(value);
    if (token !== '') onSignIn(token);
  };

  return (
    <main className="sign-in">
      <h1>Interests</h1>
      <p>
        Paste a bearer token for the gateway. In development mode, <code>cargo run</code> prints one for a demo
        user; with a configured secret, <code>interest-gateway token --sub you</code> mints one.
      </p>
      {notice !== undefined && (
        <p className="error" role="alert">
          {notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label htmlFor={id}>Token</label>
        <textarea
          id={id}
          name="token"
          rows={4}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="Authorization: Bearer eyJ…"
          autoComplete="off"
          spellCheck={false}
          required
        />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
