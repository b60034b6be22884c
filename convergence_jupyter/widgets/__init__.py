"""Live collaboration state in a notebook cell's output, as ipywidgets.

Built from standard ipywidgets (HTML, Text, Button in boxes), so any front end with the
widgets manager (JupyterLab with ``jupyterlab_widgets``) renders them without a front-end
extension of ours. Each widget listens to the Python client's events and re-renders on the
kernel's own loop; actions (post, start, stop) run as tasks on that loop, never blocking it::

    from convergence_jupyter.widgets import ParticipantsWidget, ChatWidget, BotControlWidget
    display(ParticipantsWidget(activity, model=model))
    display(await ChatWidget.create(chat))
    display(BotControlWidget(bot))
"""

from .bot_control import BotControlWidget
from .chat import ChatLine, ChatWidget
from .participants import Cursor, Participant, ParticipantsWidget

__all__ = [
    "BotControlWidget",
    "ChatLine",
    "ChatWidget",
    "Cursor",
    "Participant",
    "ParticipantsWidget",
]
