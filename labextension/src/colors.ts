/** Stable per-user colours, so a person has the same colour in every browser. */

const PALETTE = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#008080',
  '#f032e6',
  '#9a6324',
  '#800000',
  '#000075'
];

/** The palette entry picked by a hash of the username. */
export function colorFor(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) {
    hash = (hash * 31 + name.charCodeAt(i)) | 0;
  }
  return PALETTE[Math.abs(hash) % PALETTE.length];
}

/** One or two letters for a compact avatar. */
export function initialsOf(displayName: string): string {
  const parts = displayName.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) {
    return '?';
  }
  if (parts.length === 1) {
    return parts[0].slice(0, 2).toUpperCase();
  }
  return (parts[0][0] + parts[parts.length - 1][0]).toUpperCase();
}

/** Kernel bots' Convergence usernames start with this (the server's mark; see bots/). */
export const BOT_USERNAME_PREFIX = 'bot:';

/** True for a kernel bot: decided by the server-given username, which no client can fake. */
export function isBot(username: string): boolean {
  return username.startsWith(BOT_USERNAME_PREFIX);
}
