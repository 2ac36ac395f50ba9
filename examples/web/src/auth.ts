// The bearer token lives in localStorage. `?token=...` in the URL signs in too (handy for
// scripts and tests); it is then removed from the address bar so it does not end up in
// bookmarks or screenshots.

const STORAGE_KEY = 'interest-gateway.token';

/** Accepts a bare JWT, `Bearer <jwt>` or a whole `Authorization: Bearer <jwt>` line. */
export function normalizeToken(raw: string): string {
  return raw
    .trim()
    .replace(/^authorization:\s*/i, '')
    .replace(/^bearer\s+/i, '')
    .trim();
}

export function loadToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url);
    const token = normalizeToken(fromUrl);
    if (token !== '') {
      saveToken(token);
      return token;
    }
  }
  return window.localStorage.getItem(STORAGE_KEY);
}

export function saveToken(token: string): void {
  window.localStorage.setItem(STORAGE_KEY, token);
}

export function clearToken(): void {
  window.localStorage.removeItem(STORAGE_KEY);
}
