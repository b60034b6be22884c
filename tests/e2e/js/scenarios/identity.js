"use strict";
// Connect, then run identity-service calls in order; each gets its own {ok, value} or
// {ok: false, code, message} so one failing call does not hide the others.
// args: {url, auth, options?, calls: [{op: "search", query} | {op: "user", username, userType?}
//        | {op: "users", usernames} | {op: "groups", ids} | {op: "group", id}
//        | {op: "groupsForUser", username} | {op: "groupsForUsers", usernames}
//        | {op: "profile"} | {op: "userExists", username}]}

function describeGroup(g) {
  if (g === undefined || g === null) return null;
  return { id: g.id, description: g.description, members: g.members };
}

function userId(lib, call) {
  if (call.userType === "anonymous") return lib.DomainUserId.anonymous(call.username);
  return call.username;
}

async function run(identity, lib, call) {
  switch (call.op) {
    case "search":
      return (await identity.search(call.query)).map(lib.describeUser);
    case "user":
      return lib.describeUser(await identity.user(userId(lib, call)));
    case "users":
      return (await identity.users(call.usernames)).map(lib.describeUser);
    case "userExists":
      return await identity.userExists(lib.DomainUserId.normal(call.username));
    case "profile":
      return lib.describeUser(await identity.profile());
    case "groups":
      return (await identity.groups(call.ids)).map(describeGroup);
    case "group":
      return describeGroup(await identity.group(call.id));
    case "groupsForUser": {
      const groups = await identity.groupsForUser(call.username);
      return groups === undefined ? null : groups;
    }
    case "groupsForUsers": {
      // Keep keys whose value is undefined (JSON.stringify would drop them).
      const byUser = await identity.groupsForUsers(call.usernames);
      const out = {};
      for (const key of Object.keys(byUser)) out[key] = byUser[key] === undefined ? null : byUser[key];
      return out;
    }
    default:
      throw new Error(`unknown identity op ${call.op}`);
  }
}

module.exports = async function identityScenario(args, lib) {
  const domain = await lib.connect(args.url, args.auth, lib.buildOptions(args.options, lib.newWireStats()));
  try {
    const results = [];
    for (const call of args.calls || []) {
      try {
        results.push({ ok: true, value: await run(domain.identity(), lib, call) });
      } catch (e) {
        results.push({ ok: false, ...lib.describeError(e) });
      }
    }
    return { ok: true, session: lib.describeSession(domain), results };
  } finally {
    await lib.safeDisconnect(domain);
  }
};
