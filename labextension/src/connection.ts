/**
 * One Convergence connection per realtime URL, shared by every co-edited notebook of the page.
 *
 * The client reconnects on its own (autoReconnect with its reconnect token); when it has to
 * authenticate again it asks for a fresh login-bridge JWT, so no dialog is ever needed.
 */
import { Convergence, ConvergenceDomain } from '@convergence/convergence';
import { ServerConnection } from '@jupyterlab/services';

import { requestJwt } from './api';

const domains = new Map<string, Promise<ConvergenceDomain>>();

/** Delays between reconnection attempts, in seconds (the last one repeats). */
const RECONNECT_INTERVALS = [0, 1, 1, 2, 3, 5];

export function connect(
  settings: ServerConnection.ISettings,
  realtimeUrl: string,
  firstJwt: string
): Promise<ConvergenceDomain> {
  let domain = domains.get(realtimeUrl);
  if (!domain) {
    let initial: string | null = firstJwt;
    const credentials = async (): Promise<string> => {
      if (initial) {
        const jwt = initial;
        initial = null;
        return jwt;
      }
      return requestJwt(settings);
    };
    domain = Convergence.connectWithJwt(realtimeUrl, credentials, {
      reconnect: { autoReconnect: true, reconnectIntervals: RECONNECT_INTERVALS },
      protocol: {
        defaultRequestTimeout: 20,
        heartbeat: { enabled: true, pingInterval: 5, pongTimeout: 10 }
      }
    });
    domains.set(realtimeUrl, domain);
    domain.catch(() => domains.delete(realtimeUrl));
  }
  return domain;
}
