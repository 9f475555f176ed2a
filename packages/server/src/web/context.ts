/** What every page may ask of the console shell. */
export interface AppContext {
  /** Goes to a hash route (re-renders it when it is the current one). */
  navigate(hash: string): void;
  /** A message shown above the next page rendered. */
  flash(text: string, kind?: 'info' | 'error'): void;
  /** The access token was refused: sign out and ask to sign in again, then come back. */
  authLost(message?: string): void;
}
