"""A Python client for Convergence domains (this server, or any speaking the rc.12 protocol).

Asyncio throughout: it runs on the caller's loop, so it works in a notebook cell (ipykernel's
running loop, top-level ``await``) and in scripts under ``asyncio.run``. It shares the wire
schema (``protocol/``) and the operational transformation core (``ot/``) with the server and
imports nothing else of it.

Example::

    import asyncio
    from convergence_jupyter.client import connect

    async def main() -> None:
        url = "ws://localhost:8888/convergence/realtime/convergence/default"
        async with await connect(url, anonymous="Ada") as domain:
            model = await domain.models().open_auto_create(
                collection="notes", id="hello", data={"text": "", "count": 0}
            )
            text = model.element_at("text")
            text.insert(0, "Hello")          # applied locally at once, then sent
            model.element_at("count").add(1)
            with model.batch():              # one compound op for everyone
                model.root().set("done", True)
                text.insert(len(text), "!")
            await model.committed()          # every edit acknowledged by the server
            print(model.value())
            async for event in model.events: # remote edits, as they arrive
                print(event.session_id, event.operation)

    asyncio.run(main())

Edits follow the rc.12 client's concurrency control: applied locally, sent at once (pipelined),
remote ops transformed against unacknowledged local ones. String indices are UTF-16 code
units, as in JavaScript. Callbacks: ``off = model.events.on(print)``; per value:
``text.events().on(...)``.

The domain services, named as in the JS client::

    activity = await domain.activities().join("notebook", "nb1", {"cell": 0}, auto_create=True)
    activity.set_state("cell", 3)                   # others get a "state_set" event
    room = await domain.chat().join("nb1-chat")     # or create(...), get(...), direct([...])
    await room.send("hello")
    async for event in room.events:                 # ChatMessageEvent: .message, .user, .local
        ...
    await domain.presence().set("status", "reviewing")
    bob = await domain.presence().subscribe("bob")  # .available, .state, .events
    people = await domain.identity().search("ada")

They survive an automatic reconnect: activities and rooms are re-joined, missed chat events
are delivered from history, presence is shared and subscribed again.

Offline across process restarts (``offline.py``, ``offline_store.py``)::

    domain = await connect(url, anonymous="bot", offline_store="bot.sqlite")
    await domain.models().subscribe_offline("n1")   # kept in the SQLite file from now on
    model = await domain.models().open("n1")        # edits offline are written as made
    # later, another process with the same file resumes with the stored reconnect token:
    domain = await connect(url, offline_store="bot.sqlite")
    model = await domain.models().open("n1")        # = open_offline("n1"): resynced, sent once

``unsubscribe_offline(id)``, ``offline_subscriptions()`` and ``offline_saved()`` (wait for the
writes) complete it; a model deleted while we were away opens closed, with the reason.
"""

from convergence_jupyter.ot.links import Link

from .activities import (
    Activity,
    ActivityAutoCreate,
    ActivityEvent,
    ActivityLeftError,
    ActivityParticipant,
    ActivityService,
)
from .chat import (
    Chat,
    ChatCreatedEvent,
    ChatEvent,
    ChatEventsMarkedSeenEvent,
    ChatInfo,
    ChatMember,
    ChatMessageEvent,
    ChatNameChangedEvent,
    ChatRemovedError,
    ChatRemovedEvent,
    ChatService,
    ChatTopicChangedEvent,
    ChatUserAddedEvent,
    ChatUserJoinedEvent,
    ChatUserLeftEvent,
    ChatUserRemovedEvent,
)
from .connection import Connection
from .domain import Domain, DomainUser, connect
from .elements import (
    DetachedError,
    RealTimeArray,
    RealTimeBoolean,
    RealTimeDate,
    RealTimeElement,
    RealTimeNull,
    RealTimeNumber,
    RealTimeObject,
    RealTimeString,
)
from .errors import (
    ActivityNotFoundError,
    ActivityNotJoinedError,
    AlreadyExistsError,
    AlreadyJoinedError,
    AuthenticationError,
    ChatNotFoundError,
    ChatNotJoinedError,
    ConnectionClosedError,
    ConvergenceError,
    GroupNotFoundError,
    InvalidMessageError,
    LimitExceededError,
    ModelExistsError,
    ModelNotFoundError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    ServerError,
    UserNotFoundError,
)
from .identity import IdentityService, UserGroup
from .model import (
    ElementEvent,
    ModelClosedError,
    ModelEvent,
    ModelResult,
    ModelService,
    RealTimeModel,
)
from .presence import PresenceEvent, PresenceService, UserPresence
from .reconnect import ConnectionEvent
from .references import (
    InvalidReferenceError,
    LocalReference,
    ModelReference,
    ReferenceEvent,
)
from .rest import Backlink, RestClient, RestError
from .undo import UndoManager

__all__ = [
    "Activity",
    "ActivityAutoCreate",
    "ActivityEvent",
    "ActivityLeftError",
    "ActivityNotFoundError",
    "ActivityNotJoinedError",
    "ActivityParticipant",
    "ActivityService",
    "AlreadyExistsError",
    "AlreadyJoinedError",
    "AuthenticationError",
    "Backlink",
    "Chat",
    "ChatCreatedEvent",
    "ChatEvent",
    "ChatEventsMarkedSeenEvent",
    "ChatInfo",
    "ChatMember",
    "ChatMessageEvent",
    "ChatNameChangedEvent",
    "ChatNotFoundError",
    "ChatNotJoinedError",
    "ChatRemovedError",
    "ChatRemovedEvent",
    "ChatService",
    "ChatTopicChangedEvent",
    "ChatUserAddedEvent",
    "ChatUserJoinedEvent",
    "ChatUserLeftEvent",
    "ChatUserRemovedEvent",
    "Connection",
    "ConnectionClosedError",
    "ConnectionEvent",
    "ConvergenceError",
    "DetachedError",
    "Domain",
    "DomainUser",
    "ElementEvent",
    "GroupNotFoundError",
    "IdentityService",
    "InvalidMessageError",
    "InvalidReferenceError",
    "LimitExceededError",
    "Link",
    "LocalReference",
    "ModelClosedError",
    "ModelEvent",
    "ModelExistsError",
    "ModelNotFoundError",
    "ModelReference",
    "ModelResult",
    "ModelService",
    "NotFoundError",
    "NotSupportedError",
    "PermissionDeniedError",
    "PresenceEvent",
    "PresenceService",
    "RealTimeArray",
    "RealTimeBoolean",
    "RealTimeDate",
    "RealTimeElement",
    "RealTimeModel",
    "RealTimeNull",
    "RealTimeNumber",
    "RealTimeObject",
    "RealTimeString",
    "ReferenceEvent",
    "RestClient",
    "RestError",
    "ServerError",
    "UndoManager",
    "UserGroup",
    "UserNotFoundError",
    "UserPresence",
    "connect",
]
