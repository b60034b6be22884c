/**
 * REST calls to the convergence-jupyter server (CONTRACT.md §1).
 *
 * They go through ServerConnection so the Jupyter token and the XSRF cookie are sent exactly as
 * JupyterLab sends them for its own API calls.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What `POST convergence/api/v1/notebooks/session` returns. */
export interface INotebookSession {
  modelId: string;
  collection: string;
  activityType: string;
  activityId: string;
  chatId: string;
  canWrite: boolean;
  realtimeUrl: string;
  jwt: string;
}

/** An HTTP error that carries the status, so callers can tell "not co-editable" from "down". */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

async function post<T>(
  settings: ServerConnection.ISettings,
  endpoint: string,
  body: unknown
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'convergence/api/v1', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      { method: 'POST', body: JSON.stringify(body) },
      settings
    );
  } catch (error) {
    throw new ApiError(0, String(error));
  }
  if (!response.ok) {
    throw new ApiError(response.status, `${endpoint}: HTTP ${response.status}`);
  }
  return (await response.json()) as T;
}

/** Opens (or joins) the live model of a notebook and returns how to reach it. */
export function requestSession(
  settings: ServerConnection.ISettings,
  path: string
): Promise<INotebookSession> {
  return post<INotebookSession>(settings, 'notebooks/session', { path });
}

/** Asks the server to write the live model to disk now (the server owns the file). */
export function requestSave(
  settings: ServerConnection.ISettings,
  path: string
): Promise<{ path: string; last_modified: string }> {
  return post(settings, 'notebooks/save', { path });
}

/** A fresh login-bridge JWT, used when the client reconnects after its token expired. */
export async function requestJwt(settings: ServerConnection.ISettings): Promise<string> {
  const reply = await post<{ jwt: string }>(settings, 'login-bridge/token', {});
  return reply.jwt;
}
