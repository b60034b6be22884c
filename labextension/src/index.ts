/**
 * convergence-jupyter: co-edit notebooks through the Convergence server running inside Jupyter.
 *
 * For every notebook opened, once JupyterLab has loaded it, a co-editing session is started
 * (server session endpoint, shared connection, model bridge, activity, chat). Saving goes
 * through our content provider, which asks the server to flush instead of writing the file.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker, INotebookWidgetFactory, NotebookPanel } from '@jupyterlab/notebook';
import { chatIcon } from './icon';

import { CONTENT_PROVIDER_ID, CoEditContentProvider } from './provider';
import { CoEditSession } from './session';
import { CollaborationPanel, PresenceToolbarItem } from './widgets';

/** Live sessions; a session follows its notebook through renames (`session.path`). */
const sessions = new Set<CoEditSession>();

function sessionFor(path: string): CoEditSession | undefined {
  for (const session of sessions) {
    if (session.path === path) {
      return session;
    }
  }
  return undefined;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'convergence-jupyter:plugin',
  description: 'Co-edit notebooks through the convergence-jupyter server.',
  autoStart: true,
  requires: [INotebookTracker, INotebookWidgetFactory],
  optional: [ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    factory: any,
    labShell: ILabShell | null
  ) => {
    const settings = app.serviceManager.serverSettings;
    const registry = ((app.serviceManager.contents as any).defaultDrive ?? {}).contentProviderRegistry;
    if (registry) {
      registry.register(
        CONTENT_PROVIDER_ID,
        new CoEditContentProvider(settings, path => sessionFor(path) !== undefined)
      );
      factory.contentProviderId = CONTENT_PROVIDER_ID;
    }

    const panel = new CollaborationPanel();
    panel.title.icon = chatIcon;
    panel.title.label = '';
    app.shell.add(panel, 'right', { rank: 800 });

    const showCurrent = () => {
      const current = tracker.currentWidget;
      panel.session = current ? (sessionFor(current.context.path) ?? null) : null;
    };
    tracker.currentChanged.connect(showCurrent);

    app.commands.addCommand('convergence-jupyter:open-panel', {
      label: 'Show notebook collaboration panel',
      execute: () => app.shell.activateById(panel.id)
    });

    tracker.widgetAdded.connect((_, nb: NotebookPanel) => {
      void nb.context.ready.then(async () => {
        if (nb.isDisposed) {
          return;
        }
        const session = new CoEditSession(nb, settings);
        sessions.add(session);
        nb.disposed.connect(() => {
          sessions.delete(session);
          session.dispose();
          showCurrent();
        });
        const ok = await session.start();
        if (!ok) {
          sessions.delete(session);
          session.dispose();
          return;
        }
        nb.node.dataset.coedit = 'ready';
        nb.toolbar.insertItem(10, 'convergence-presence', new PresenceToolbarItem(session));
        showCurrent();
      });
    });
    void labShell;
    if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') {
      // Diagnostics for tests, next to window.jupyterapp.
      (window as any).convergenceJupyter = { sessions };
    }
  }
};

export default plugin;
