/**
 * Who is signed in, for the whole app. Asks GET /auth/me once at start (the cookie is httpOnly,
 * so only the server knows); keeps the user and offers sign-in and sign-out. The data cache is
 * emptied on both, so that no answer fetched for one user is ever shown to the next.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { currentUser, logout, type SessionUser } from '../api/auth.ts';
import { queryClient } from '../data/client.ts';

export interface SessionState {
  /** undefined while asking the server. */
  ready: boolean;
  user: SessionUser | undefined;
  /** Set when /auth/me itself failed (server down): the app still shows the sign-in page. */
  error: unknown;
  signedIn(user: SessionUser): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ ready: boolean; user?: SessionUser; error?: unknown }>({
    ready: false,
  });
  useEffect(() => {
    currentUser().then(
      (user) => setState({ ready: true, user }),
      (error: unknown) => setState({ ready: true, error }),
    );
  }, []);
  const signedIn = useCallback((user: SessionUser) => {
    queryClient.clear();
    setState({ ready: true, user });
  }, []);
  const signOut = useCallback(async () => {
    try {
      await logout();
    } finally {
      queryClient.clear();
      setState({ ready: true });
    }
  }, []);
  const value = useMemo(
    () => ({ ready: state.ready, user: state.user, error: state.error, signedIn, signOut }),
    [state, signedIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
