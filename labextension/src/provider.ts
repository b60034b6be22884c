/**
 * The notebook content provider: plain REST for reading, but while a notebook is co-edited its
 * saves ask the server to write the live model (the server owns the file), so JupyterLab never
 * overwrites the server's autosaves and never sees them as "changed on disk".
 */
import { Contents, RestContentProvider, ServerConnection } from '@jupyterlab/services';

import { requestSave } from './api';

export const CONTENT_PROVIDER_ID = 'convergence-jupyter';

export class CoEditContentProvider extends RestContentProvider {
  constructor(
    settings: ServerConnection.ISettings,
    private readonly _isCoEdited: (path: string) => boolean
  ) {
    super({ apiEndpoint: 'api/contents', serverSettings: settings });
    this._settings = settings;
  }

  async get(localPath: string, options?: Contents.IFetchOptions): Promise<Contents.IModel> {
    const model = await super.get(localPath, options);
    if (this._isCoEdited(localPath) && options?.content === false) {
      // The server writes this file while we edit: its hash and time say nothing about
      // conflicts with us (we are merged through the model), so hide them from the
      // document context's "file changed on disk" check.
      return { ...model, hash: undefined, last_modified: undefined as any };
    }
    return model;
  }

  async save(localPath: string, options: Partial<Contents.IModel> = {}): Promise<Contents.IModel> {
    if (!this._isCoEdited(localPath)) {
      return super.save(localPath, options);
    }
    await requestSave(this._settings, localPath);
    return super.get(localPath, { content: false });
  }

  private _settings: ServerConnection.ISettings;
}
