import { ROLES, hasRole, type Principal } from "@/lib/identity/principal";
import { badRequest, forbidden, LfError, notFound } from "../errors";
import { json, readBody } from "../http";
import type { LfContext, LfRoute } from "../router";
import {
  AGENT_NAME,
  createAgentSchema,
  createAgentVersionSchema,
  type CreateAgentVersionBody,
} from "../schemas";
import { agentJson, agentVersionJson, listJson, type Json } from "../shapes";
import {
  createAgentIfAbsent,
  createAgentVersion,
  deleteAgent,
  deleteAgentVersion,
  getAgentVersion,
  getLatestAgentVersion,
  listAgentVersions,
  listLatestAgentVersions,
} from "../store/agents";
import { pageQuery, paginate } from "../store/db";

/**
 * Agents are project-wide, as in a Foundry project: every authenticated caller sees and runs the
 * same ones. Creating and deleting them needs the Admin app role (an agent's tools act for
 * everyone who runs it, so not every user may define them).
 */
export const agentRoutes: LfRoute[] = [
  { method: "GET", pattern: "/agents", handle: listAgents },
  { method: "POST", pattern: "/agents", handle: createAgent },
  { method: "GET", pattern: "/agents/:name", handle: getAgent },
  { method: "DELETE", pattern: "/agents/:name", handle: removeAgent },
  { method: "POST", pattern: "/agents/:name/versions", handle: createVersion },
  { method: "GET", pattern: "/agents/:name/versions", handle: listVersions },
  { method: "GET", pattern: "/agents/:name/versions/:version", handle: getVersion },
  { method: "DELETE", pattern: "/agents/:name/versions/:version", handle: removeVersion },
];

/** Sorted by name, ascending unless `order=desc`: the order an agent picker shows. */
async function listAgents({ db, url }: LfContext) {
  const page = paginate(
    (await listLatestAgentVersions(db)).map(agentJson),
    pageQuery(url, "asc"),
    (a) => String(a.name),
  );
  return json(listJson(page.data, page.hasMore));
}

async function createAgent({ principal, db, req }: LfContext) {
  requireAdmin(principal);
  const body = await readBody(req, createAgentSchema);
  const name = checkName(body.name);
  checkDefinition(body);
  if (!(await createAgentIfAbsent(db, name, body))) {
    throw new LfError(
      409,
      `Agent '${name}' already exists; create a new version instead.`,
      "invalid_request_error",
      "conflict",
      "name",
    );
  }
  return json(agentJson((await getLatestAgentVersion(db, name))!));
}

async function getAgent({ db, params }: LfContext) {
  const latest = await getLatestAgentVersion(db, params.name!);
  if (!latest) throw notFound(`Agent '${params.name}'`);
  return json(agentJson(latest));
}

async function removeAgent({ principal, db, params }: LfContext) {
  requireAdmin(principal);
  if (!(await deleteAgent(db, params.name!))) throw notFound(`Agent '${params.name}'`);
  return json({ object: "agent.deleted", name: params.name, deleted: true });
}

async function createVersion({ principal, db, req, params }: LfContext) {
  requireAdmin(principal);
  const name = checkName(params.name!);
  const body = await readBody(req, createAgentVersionSchema);
  checkDefinition(body);
  return json(agentVersionJson(await createAgentVersion(db, name, body)));
}

async function listVersions({ db, url, params }: LfContext) {
  const all = (await listAgentVersions(db, params.name!)).map(agentVersionJson);
  if (all.length === 0) throw notFound(`Agent '${params.name}'`);
  const page = paginate<Json>(all, pageQuery(url), (v) => String(v.version));
  return json(listJson(page.data, page.hasMore, (v) => String(v.version)));
}

async function getVersion({ db, params }: LfContext) {
  const v = await getAgentVersion(db, params.name!, params.version!);
  if (!v) throw notFound(`Agent '${params.name}' version ${params.version}`);
  return json(agentVersionJson(v));
}

async function removeVersion({ principal, db, params }: LfContext) {
  requireAdmin(principal);
  if (!(await deleteAgentVersion(db, params.name!, params.version!))) {
    throw notFound(`Agent '${params.name}' version ${params.version}`);
  }
  return json({
    object: "agent.version.deleted",
    name: params.name,
    version: params.version,
    deleted: true,
  });
}

function requireAdmin(principal: Principal): void {
  if (!hasRole(principal, ROLES.admin))
    throw forbidden(`Creating or deleting agents needs the '${ROLES.admin}' role.`);
}

function checkName(name: string): string {
  if (!AGENT_NAME.test(name)) {
    throw badRequest(
      "Agent names use letters, digits and inner hyphens, at most 63 characters.",
      "name",
    );
  }
  return name;
}

/** Only prompt agents run here; their model is required, as on Foundry. */
function checkDefinition(body: CreateAgentVersionBody): void {
  if (body.definition.kind !== "prompt") {
    throw badRequest(
      "The local agent service supports prompt agents only (definition.kind = 'prompt').",
      "definition.kind",
    );
  }
  if (!body.definition.model) {
    throw new LfError(
      400,
      "Missing required parameter: 'definition.model'.",
      "invalid_request_error",
      "missing_required_parameter",
      "definition.model",
    );
  }
}
